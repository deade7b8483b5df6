package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user reads when a query fails: the runner's summary, not Spark's stack traces first.
 * The user's case: an expectation set to fail printed 237 lines of Spark errors and traces
 * before the one line that says which rule failed. Now stderr holds the runner's lines only,
 * and the summary names the file with Spark's errors and traces.
 */
class FailureSummaryTest {
  @TempDir Path dir;

  @Test
  void aFailedExpectationIsSaidInOneLineAndTheTracesAreInTheFileItNames() throws Exception {
    Path spec = Files.writeString(dir.resolve("strict.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: strict}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 5}}]
          transforms:
            - name: checked
              from: clicks
              filter: "true"
              expectations: [{name: tiny, condition: "amount < 0", onViolation: fail}]
          sinks: [{name: out, from: checked, console: {}}]
        """);
    RunnerProcess runner = RunnerProcess.start(spec, dir.resolve("checkpoints"), dir.resolve("runner.log"),
        "--stop-timeout", "5s");
    assertThat(runner.awaitExit(Duration.ofMinutes(2))).as(runner.log()).isEqualTo(1);

    String log = runner.log();
    List<String> lines = log.lines().toList();
    assertThat(lines).as(log).contains(
        "[out] failed: [USER_RAISED_EXCEPTION] expectation 'tiny' of 'checked' failed: amount < 0");
    assertThat(log).as("no stack trace on stderr").doesNotContain("\tat ", "ERROR ", "Lost task");
    String named = lines.stream().filter(l -> l.startsWith("  Spark's errors with their stack traces: ")).findFirst()
        .orElseThrow(() -> new AssertionError("the summary names the traces' file:\n" + log))
        .substring("  Spark's errors with their stack traces: ".length());
    String traces = Files.readString(Path.of(named));
    Files.delete(Path.of(named)); // under java.io.tmpdir, outside the test's directory
    assertThat(traces).contains("ERROR MicroBatchExecution: Query out", "\tat ",
        "expectation 'tiny' of 'checked' failed");
  }
}
