package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop in the first seconds (the user's Ctrl-C right after {@code spo run}, or the operator
 * stopping a driver that is still starting): exit 0, no query started, nothing committed. Before
 * the stop handling was installed ahead of Spark, this exited 143 (SIGTERM), sometimes with
 * Spark's "Shutdown hooks cannot be modified during shutdown".
 */
class StopDuringStartUpTest {
  @TempDir Path dir;

  @Test
  void aStopWhileSparkStartsExitsZeroAndCommitsNothing() throws Exception {
    Path spec = Files.writeString(dir.resolve("pipeline.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: early}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 10}}]
          sinks: [{name: out, from: clicks, trigger: {processingTime: 1s}, files: {path: "%s", format: json}}]
        """.formatted(dir.resolve("out")));
    Path checkpoints = dir.resolve("checkpoints");
    RunnerProcess runner = RunnerProcess.start(spec, checkpoints, dir.resolve("runner.log"));
    // the first line the runner prints comes right after it took over the signals, before Spark starts
    runner.await("the runner starting", () -> log(runner).contains("[early] starting; Ctrl-C or SIGTERM stops it"),
        Duration.ofMinutes(1));

    int exit = runner.stop(); // SIGTERM while the Spark session is still being made

    String log = log(runner);
    assertThat(exit).as("exit code of a stop during start-up\n" + log).isZero();
    assertThat(log).contains("stopped during start-up: no query was started, nothing was committed")
        .doesNotContain("Shutdown hooks cannot be modified", "[out] started", "[out] writing");
    assertThat(checkpoints.resolve("early/out/commits")).as("nothing committed").doesNotExist();
  }

  private static String log(RunnerProcess runner) {
    try {
      return runner.log();
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
