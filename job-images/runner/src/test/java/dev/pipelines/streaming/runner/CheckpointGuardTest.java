package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runner guarding its own checkpoint, in child JVMs as users and the operator start it:
 * a graceful stop exits 0, and a spec whose change the checkpoint cannot take (another
 * {@code window.groupBy}) is refused before any query starts, with the checker's lines, no
 * stack trace, exit code 3 and nothing written.
 */
class CheckpointGuardTest {
  @TempDir Path dir;

  static final String SPEC = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: guarded}
      spec:
        sources:
          - name: clicks
            generator: {rowsPerSecond: 20}
            watermark: {column: eventTime, delay: 5s}
        transforms:
          - name: perPage
            from: clicks
            window: {column: eventTime, size: 5s, groupBy: %s, aggregations: [{fn: count, as: views}]}
        sinks:
          - {name: counts, from: perPage, outputMode: update, trigger: {processingTime: 1s}, console: {}}
      """;

  @Test
  void gracefulStopExitsZeroAndAnIncompatibleSpecIsRefusedWithExitCode3() throws Exception {
    Path spec = dir.resolve("pipeline.yaml");
    Path checkpoints = dir.resolve("checkpoints");
    Path commits = checkpoints.resolve("guarded/counts/commits");
    Files.writeString(spec, SPEC.formatted("[page]"));
    Path logs = Files.createDirectories(Path.of("target", "checkpoint-guard"));

    RunnerProcess first = RunnerProcess.start(spec, checkpoints, logs.resolve("first.log"));
    first.await("two committed batches", () -> batchFiles(commits).size() >= 2, Duration.ofMinutes(3));
    assertThat(first.stop()).as("exit code of a graceful stop (SIGTERM)\n" + first.log()).isZero();
    assertThat(first.log()).contains("[counts] stopping after the current batch");
    assertThat(checkpoints.resolve("guarded/counts/spo-query.json")).content().contains("\"page\"");

    List<String> commitsBefore = batchFiles(commits);
    List<String> offsetsBefore = batchFiles(checkpoints.resolve("guarded/counts/offsets"));
    String recordBefore = Files.readString(checkpoints.resolve("guarded/counts/spo-query.json"));

    Files.writeString(spec, SPEC.formatted("[page, userId]"));
    Path terminationLog = Files.writeString(dir.resolve("termination-log"), ""); // the kubelet's /dev/termination-log
    RunnerProcess second = RunnerProcess.start(Map.of("SPO_TERMINATION_MESSAGE_PATH", terminationLog.toString()),
        spec, checkpoints, logs.resolve("second.log"));
    assertThat(second.awaitExit(Duration.ofMinutes(2))).as(second.log()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);

    List<String> lines = second.log().lines().toList();
    int at = lines.indexOf(spec + ": refusing to start on checkpoint " + checkpoints.resolve("guarded")
        + " (nothing was started or written):");
    assertThat(at).as(second.log()).isNotNegative();
    assertThat(lines.subList(at + 1, lines.size())).startsWith(
        "  spec.transforms[0].window.groupBy: changed from [page] to [page, userId]; grouping keys are the state's keys",
        "Undo these changes to resume the checkpoint, or run with --reset-checkpoint to start over"
            + " (the old checkpoint is moved aside, not deleted).");
    assertThat(second.log()).doesNotContain("\tat ", "StreamingQueryException", "[counts] started");
    assertThat(batchFiles(commits)).as("no batch committed").isEqualTo(commitsBefore);
    assertThat(batchFiles(checkpoints.resolve("guarded/counts/offsets"))).as("no batch planned").isEqualTo(offsetsBefore);
    assertThat(checkpoints.resolve("guarded/counts/spo-query.json")).as("record unchanged").hasContent(recordBefore);
    assertThat(Files.readString(terminationLog)).as("the refusal, for the pod's terminated.message")
        .contains("spec.transforms[0].window.groupBy: changed from [page] to [page, userId]").doesNotContain("\tat ");
  }

  /**
   * An anomaly checkpoint written without a state TTL, resumed by a spec that leaves stateTtl to
   * its default (a TTL): Spark refuses at the first batch and the runner says how to resume;
   * following that hint resumes it. The guard does not stand in the way of the hint.
   */
  @Test
  void anomalyStateWithoutATtlResumesByTheHint() throws Exception {
    Path in = Files.createDirectories(dir.resolve("readings"));
    Files.writeString(in.resolve("1.json"), "{\"sensor\":\"s1\",\"value\":1,\"ts\":\"2026-01-01T10:00:00Z\"}\n");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: scored}
        spec:
          sources:
            - name: readings
              files: {path: "%s", format: json}
              schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 10s}
          transforms:
            - {name: scores, from: readings, anomaly: {column: value, keys: [sensor]%s}}
          sinks:
            - {name: out, from: scores, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """;
    Path spec = dir.resolve("scored.yaml");
    Path checkpoints = dir.resolve("checkpoints");
    Path logs = Files.createDirectories(Path.of("target", "checkpoint-guard"));
    Files.writeString(spec, yaml.formatted(in, ", stateTtl: off", dir.resolve("out")));
    RunnerProcess withoutTtl = RunnerProcess.start(spec, checkpoints, logs.resolve("without-ttl.log"));
    assertThat(withoutTtl.awaitExit(Duration.ofMinutes(2))).as(withoutTtl.log()).isZero();

    Files.writeString(in.resolve("2.json"), "{\"sensor\":\"s1\",\"value\":2,\"ts\":\"2026-01-01T10:00:01Z\"}\n");
    Files.writeString(spec, yaml.formatted(in, "", dir.resolve("out")));
    RunnerProcess byDefault = RunnerProcess.start(spec, checkpoints, logs.resolve("default-ttl.log"));
    assertThat(byDefault.awaitExit(Duration.ofMinutes(2))).as(byDefault.log())
        .as("Spark refuses the state on every run: not retried").isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(byDefault.log()).contains("  An anomaly transform's state was written without a time to live "
        + "(stateTtl: off, or a runner before stateTtl): set stateTtl: \"off\" on it to resume this checkpoint, or "
        + "start over in a new checkpoint.");

    Files.writeString(spec, yaml.formatted(in, ", stateTtl: \"off\"", dir.resolve("out")));
    RunnerProcess hinted = RunnerProcess.start(spec, checkpoints, logs.resolve("hinted.log"));
    assertThat(hinted.awaitExit(Duration.ofMinutes(2))).as(hinted.log()).isZero();
    assertThat(hinted.log().lines()).anyMatch(l -> l.matches("\\[out\\] batch \\d+: 1 rows in .*")); // the second reading
  }

  /** Batch files of a checkpoint log directory (commits/, offsets/), sorted. */
  private static List<String> batchFiles(Path logDir) {
    if (!Files.isDirectory(logDir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(logDir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).sorted().toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
