package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    int committed = 0;
    for (int run = 1; run <= 3; run++) {
      Process runner = startRunner(spec, dir.resolve("run-" + run + ".log"));
      committed = awaitCommittedBatches(out, committed + 2, runner, dir.resolve("run-" + run + ".log"));
      if (run < 3) {
        runner.destroyForcibly(); // SIGKILL: no shutdown hook, a batch may be half written
      } else {
        runner.destroy(); // SIGTERM: graceful stop after the current batch
      }
      assertThat(runner.waitFor(60, TimeUnit.SECONDS)).as("runner %d exited", run).isTrue();
      if (run == 3) {
        assertThat(Files.readString(dir.resolve("run-3.log"))).contains("[archive] stopping after the current batch");
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

  private Process startRunner(Path spec, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(Arrays.asList(System.getProperty("spark.jvm.opens", "").trim().split("\\s+")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), RunnerCli.class.getName(),
        "run", spec.toString(), "--master", "local[2]", "--checkpoint-root", dir.resolve("checkpoints").toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return pb.start();
  }

  /** Waits until the file sink's commit log holds at least {@code atLeast} batches. */
  private static int awaitCommittedBatches(Path out, int atLeast, Process runner, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    int committed = 0;
    while (System.nanoTime() < deadline) {
      committed = committedBatches(out.resolve("_spark_metadata"));
      if (committed >= atLeast) {
        return committed;
      }
      if (!runner.isAlive()) {
        throw new AssertionError("runner exited early:\n" + Files.readString(log));
      }
      Thread.sleep(200);
    }
    throw new AssertionError("only " + committed + " batches committed:\n" + Files.readString(log));
  }

  private static int committedBatches(Path metadata) throws IOException {
    if (!Files.isDirectory(metadata)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(metadata)) {
      return (int) files.map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d+(\\.compact)?"))
          .count();
    }
  }

}
