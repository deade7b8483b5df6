package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.pipelines.streaming.runner.testing.FileSinkOutput.committedBatches;

import dev.pipelines.streaming.runner.testing.RunnerProcess;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise users care most about: kill the runner at any moment (SIGKILL, no cleanup),
 * start it again, and the files sink ends up with every input row exactly once.
 */
class ExactlyOnceRestartTest {
  @TempDir Path dir;

  @Test
  void killedTwiceAndRestartedEveryRowExactlyOnce() throws Exception {
    Path out = dir.resolve("out");
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: crashy}
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: 200}
          transforms:
            - {name: rows, from: clicks, select: [eventId, userId, amount]}
          sinks:
            - name: archive
              from: rows
              trigger: {processingTime: 1s}
              files: {path: "%s", format: json}
        """.formatted(out));

    for (int run = 1; run <= 3; run++) {
      RunnerProcess runner = RunnerProcess.start(spec, dir.resolve("checkpoints"), dir.resolve("run-" + run + ".log"));
      int target = committedBatches(out) + 2;
      runner.await(target + " committed batches", () -> committedBatches(out) >= target,
          Duration.ofMinutes(3));
      if (run < 3) {
        runner.kill();
      } else {
        assertThat(runner.stop()).as("exit code of a graceful stop (SIGTERM)").isZero();
        assertThat(runner.log()).contains("[archive] stopping after the current batch");
      }
    }

    SparkSession spark = SparkTestSession.create();
    try {
      // Spark reads only files listed in the sink's commit log, as any consumer should.
      Dataset<Row> rows = spark.read().json(out.toString());
      long total = rows.count();
      long distinct = rows.select("eventId").distinct().count();
      Row range = rows.selectExpr("min(eventId)", "max(eventId)").first();
      assertThat(total).as("rows written").isGreaterThan(600);
      assertThat(distinct).as("no row duplicated").isEqualTo(total);
      assertThat(range.getLong(0)).as("first row kept").isZero();
      assertThat(range.getLong(1) + 1).as("no row lost: ids are contiguous").isEqualTo(total);
    } finally {
      spark.stop();
    }
  }


}
