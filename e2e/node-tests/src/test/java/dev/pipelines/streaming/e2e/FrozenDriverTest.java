package dev.pipelines.streaming.e2e;

import static dev.pipelines.streaming.runner.testing.FileSinkOutput.committedBatches;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.DriverStatus;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.autoscale.DriverControlClient;
import dev.pipelines.streaming.operator.autoscale.ProgressStep;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver whose process is frozen (SIGSTOP: the pod stays Running, its port still accepts
 * connections, nothing answers) is not shown as healthy: the operator's health step, reading a
 * real runner's /progress, reports {@code ProgressUnavailable} at the next poll, drops the rates
 * (never shown as current), and {@code Degraded=True, reason=NoProgress} once no batch has
 * completed for the documented period (3 trigger intervals, at least 5 minutes: the test moves
 * the operator's clock instead of waiting). SIGCONT: both clear at the next poll.
 */
class FrozenDriverTest {
  @TempDir Path dir;

  @Test
  void aFrozenDriverBecomesDegradedNoProgress() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/kill")), "needs /bin/kill to send SIGSTOP");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: frozen}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 50}}]
          sinks: [{name: out, from: clicks, trigger: {processingTime: 1s}, files: {path: "%s", format: json}}]
        """.formatted(dir.resolve("out"));
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, yaml);
    PipelineSpec pipelineSpec = PipelineLoader.parse(yaml).pipeline().spec();
    String uid = "3f7c0e9a-frozen";
    ControlTokens tokens = new ControlTokens(new byte[32]);
    int port = freePort();
    RunnerProcess runner = RunnerProcess.start(Map.of("SPO_CONTROL_TOKEN", tokens.token(uid)), spec,
        dir.resolve("checkpoints"), dir.resolve("runner.log"), "--control-port", String.valueOf(port));
    ProgressStep health = new ProgressStep(
        new DriverControlClient(tokens, (ns, name) -> URI.create("http://127.0.0.1:" + port)), new ProgressHistory());
    try {
      runner.await("batches committed", () -> committedBatches(dir.resolve("out")) >= 2, Duration.ofMinutes(3));
      Instant start = Instant.now();
      PipelineStatus status = running(start.minusSeconds(30));

      status = health.apply(uid, "ns", "frozen", pipelineSpec, status, start).status();
      assertThat(condition(status, "Ready").status()).as("a batch committed: Ready").isEqualTo("True");
      assertThat(condition(status, "Degraded").status()).isEqualTo("False");
      assertThat(status.progress().inputRowsPerSecond()).isNotNull();

      signal("STOP", runner);
      status = health.apply(uid, "ns", "frozen", pipelineSpec, status, start.plusSeconds(30)).status();
      assertThat(condition(status, "ProgressUnavailable").status()).isEqualTo("True");
      assertThat(condition(status, "ProgressUnavailable").message()).startsWith("the driver's /progress cannot be read");
      assertThat(status.progress().inputRowsPerSecond()).as("stale rates are not shown").isNull();
      assertThat(condition(status, "Degraded").status()).as("not yet: within the allowed period").isEqualTo("False");

      status = health.apply(uid, "ns", "frozen", pipelineSpec, status, start.plus(Duration.ofMinutes(6))).status();
      assertThat(condition(status, "Degraded").status()).isEqualTo("True");
      assertThat(condition(status, "Degraded").reason()).isEqualTo("NoProgress");
      assertThat(condition(status, "Degraded").message()).startsWith("no batch completed since ").endsWith("(allowed: 5m)");

      signal("CONT", runner);
      runner.await("batches again", () -> committedBatches(dir.resolve("out")) >= 5, Duration.ofMinutes(2));
      Thread.sleep(2000); // a batch newer than the operator's moved clock is not possible; use the real one again
      status = health.apply(uid, "ns", "frozen", pipelineSpec, status, Instant.now()).status();
      assertThat(condition(status, "ProgressUnavailable")).as("cleared once /progress answers").isNull();
      assertThat(condition(status, "Degraded").status()).isEqualTo("False");
    } finally {
      signal("CONT", runner);
      runner.stop();
    }
  }

  static PipelineStatus running(Instant since) {
    return new PipelineStatus("Running", 1L, "driver frozen-driver-1 is running",
        List.of(new Condition("Ready", "False", "WaitingForFirstBatch", "no batch yet", since.toString(), 1L),
            new Condition("Degraded", "False", "Running", "no failure", since.toString(), 1L)),
        new DriverStatus("frozen-driver-1", 1, since.toString(), 1L, since.toString()), null, null, null, null);
  }

  static Condition condition(PipelineStatus status, String type) {
    return status.conditionsOrEmpty().stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
  }

  static void signal(String signal, RunnerProcess runner) throws Exception {
    new ProcessBuilder("/bin/kill", "-" + signal, String.valueOf(runner.pid())).inheritIO().start().waitFor();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

}
