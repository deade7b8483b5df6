package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queries Spark refuses on every run, before their first batch: the runner says so with exit 2
 * (the spec) or 3 (the checkpoint), which the operator does not retry, instead of exit 1 ("a
 * retry helps"), which it retried forever. The user's case (#36): an anomaly step on the
 * HDFS-backed state store, given on the command line where {@code validate} cannot see it.
 */
class SparkRefusalsTest {
  @TempDir Path dir;

  @Test
  void anAnomalyStepOnTheHdfsStateStoreExitsTwoNamingTheSetting() throws Exception {
    Path in = Files.createDirectories(dir.resolve("readings"));
    Files.writeString(in.resolve("a.json"), "{\"sensor\":\"s1\",\"value\":10,\"ts\":\"2026-01-01T10:00:00Z\"}\n");
    Path spec = Files.writeString(dir.resolve("scores.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: scores}
        spec:
          sources:
            - name: readings
              files: {path: "%s", format: json}
              schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
          transforms:
            - {name: scored, from: readings, anomaly: {column: value, keys: [sensor], minSamples: 5, orderBy: ts}}
          sinks:
            - {name: out, from: scored, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out")));

    RunnerProcess runner = RunnerProcess.start(spec, dir.resolve("checkpoints"), dir.resolve("runner.log"),
        "--conf", "spark.sql.streaming.stateStore.providerClass="
            + "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider");

    assertThat(runner.awaitExit(Duration.ofMinutes(2))).as(runner.log()).isEqualTo(ExitCodes.INVALID);
    assertThat(runner.log()).as(runner.log()).contains("[out] failed: [UNSUPPORTED_FEATURE.STORE_BACKEND_NOT_SUPPORTED_FOR_TWS]",
        "\n  An anomaly step runs on Spark's transformWithState, which needs the RocksDB state store: remove "
            + "spark.sql.streaming.stateStore.providerClass (from --conf, or spec.sparkConf) to run it (exit 2: a "
            + "retry fails the same way).");
  }

  /**
   * A checkpoint whose record was lost, adopted by a spec that groups by one more key: the guard
   * has no record to compare with (the user vouched for it), and Spark's own check of the state's
   * key schema refuses it on every run: exit 3, not a retried exit 1.
   */
  @Test
  void stateOfAnotherShapeExitsThree() throws Exception {
    Path in = Files.createDirectories(dir.resolve("clicks"));
    Files.writeString(in.resolve("a.json"), "{\"page\":\"/a\",\"userId\":\"u1\",\"ts\":\"2026-01-01T10:00:00Z\"}\n");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: views}
        spec:
          sources:
            - name: clicks
              files: {path: "%s", format: json}
              schema: [{name: page, type: string}, {name: userId, type: string}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 1m}
          transforms:
            - {name: perPage, from: clicks, window: {column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}}
          sinks:
            - {name: out, from: perPage, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"));
    Path spec = Files.writeString(dir.resolve("views.yaml"), yaml);
    Path checkpoints = dir.resolve("checkpoints");
    RunnerProcess first = RunnerProcess.start(spec, checkpoints, dir.resolve("first.log"));
    assertThat(first.awaitExit(Duration.ofMinutes(2))).as(first.log()).isZero();

    Files.delete(checkpoints.resolve("views/out/spo-query.json"));
    Files.writeString(spec, yaml.replace("groupBy: [page]", "groupBy: [page, userId]"));
    Files.writeString(in.resolve("b.json"), "{\"page\":\"/b\",\"userId\":\"u2\",\"ts\":\"2026-01-01T10:05:00Z\"}\n");
    RunnerProcess adopted = RunnerProcess.start(spec, checkpoints, dir.resolve("adopted.log"), "--adopt-checkpoint");

    assertThat(adopted.awaitExit(Duration.ofMinutes(2))).as(adopted.log()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(adopted.log()).as(adopted.log()).contains("[out] failed: [STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE]",
        "\n  Spark cannot resume this checkpoint's state with this query (a retry fails the same way, exit 3): "
            + "undo the change, or start over in a new checkpoint.");
  }
}
