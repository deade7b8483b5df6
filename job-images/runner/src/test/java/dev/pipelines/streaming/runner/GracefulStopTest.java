package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.fence.BatchGate;
import dev.pipelines.streaming.runner.run.GracefulShutdown;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful stop never cuts a batch. The next batch could be planned (its offsets written) in
 * the instant between "the running batch has finished" and the stop, and was then cut: found on a
 * loaded CI machine (ControlServerTest: offsets at batch 5, commits at 4). A stop now closes the
 * {@link BatchGate} first; a query whose batch is done waits there, planning nothing, and stops.
 */
class GracefulStopTest {
  static SparkSession spark;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void aQueryWhoseBatchIsDoneWaitsAtTheGateAndStopsWithItsLastPlannedBatchCommitted() throws Exception {
    Path cp = dir.resolve("cp");
    List<StreamingQuery> queries = Pipelines.start(spark, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: busy}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 2000}}]
          sinks: [{name: out, from: clicks, files: {path: "%s", format: json}}]
        """.formatted(dir.resolve("out")), cp);
    StreamingQuery query = queries.get(0);
    Path commits = cp.resolve("busy/out/commits");
    await("two batches committed", () -> lastBatch(commits) >= 1);

    // the instant a stop begins: the running batch may finish, the next one must not be planned
    BatchGate.close(query.id());
    try {
      await("the query waiting at the gate to plan its next batch", () -> BatchGate.holds(query.id()));
      long committed = lastBatch(commits);
      assertThat(lastBatch(cp.resolve("busy/out/offsets"))).as("the next batch is not planned").isEqualTo(committed);

      new GracefulShutdown(queries, Duration.ofSeconds(60), System.err).stopAll();

      assertThat(query.isActive()).isFalse();
      assertThat(query.exception().isEmpty()).as("a stop, not a failure").isTrue();
      assertThat(lastBatch(commits)).as("nothing more committed").isEqualTo(committed);
      assertThat(lastBatch(cp.resolve("busy/out/offsets"))).as("the last planned batch is the last committed one")
          .isEqualTo(committed);
    } finally {
      BatchGate.open(query.id());
    }
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static long lastBatch(Path log) {
    if (!Files.isDirectory(log)) {
      return -1;
    }
    try (Stream<Path> files = Files.list(log)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
          .mapToLong(Long::parseLong).max().orElse(-1);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
