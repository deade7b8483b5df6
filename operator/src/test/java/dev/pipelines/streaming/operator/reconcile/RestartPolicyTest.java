package dev.pipelines.streaming.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.RunnerExitCodes;
import dev.pipelines.streaming.api.model.RestartPolicySpec;
import dev.pipelines.streaming.api.model.RestartPolicySpec.RestartType;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** spec.restartPolicy as the operator applies it (docs/operator.md, "restartPolicy"). */
class RestartPolicyTest {
  static RestartPolicy policy(RestartType type, Integer maxRestarts, String initial, String max) {
    return new RestartPolicy(new RestartPolicySpec(type, maxRestarts, initial, max, null, null));
  }

  @ParameterizedTest(name = "after {0} restarts: wait {1} s")
  @CsvSource({"0, 10", "1, 20", "2, 40", "5, 300", "40, 300"})
  void backoffDoublesUpToTheMaximum(int restartsSoFar, long seconds) {
    assertThat(policy(null, null, "10s", "5m").backoff(restartsSoFar)).isEqualTo(Duration.ofSeconds(seconds));
  }

  @Test
  void givesUpAfterMaxRestartsOrAtOnceWithNever() {
    assertThat(policy(null, 3, null, null).givesUp(2)).isNull();
    assertThat(policy(null, 3, null, null).givesUp(3)).isEqualTo("gave up after 3 restarts");
    assertThat(policy(null, 1, null, null).givesUp(1)).isEqualTo("gave up after 1 restart");
    assertThat(policy(RestartType.NEVER, null, null, null).givesUp(0)).isEqualTo("restartPolicy is Never");
  }

  @Test
  void onlyWhatARetryCanFixIsRetried() {
    assertThat(RestartPolicy.permanentFailure(RunnerExitCodes.QUERY_FAILED)).isNull();
    assertThat(RestartPolicy.permanentFailure(RunnerExitCodes.LEASE_LOST)).as("the next attempt waits for the Lease").isNull();
    assertThat(RestartPolicy.permanentFailure(137)).as("killed (OOM)").isNull();
    assertThat(RestartPolicy.permanentFailure(RunnerExitCodes.INVALID)).isEqualTo("RunnerRefusedSpec");
    assertThat(RestartPolicy.permanentFailure(RunnerExitCodes.INCOMPATIBLE_CHECKPOINT)).isEqualTo("IncompatibleCheckpoint");
  }

  @Test
  void startTimeoutAndCountResetUseTheirDefaults() {
    RestartPolicy defaults = policy(null, null, null, null);
    Instant t = Instant.parse("2026-01-01T10:00:00Z");
    assertThat(defaults.startTimedOut(t, t.plus(Duration.ofMinutes(9)))).isFalse();
    assertThat(defaults.startTimedOut(t, t.plus(Duration.ofMinutes(10)))).isTrue();
    assertThat(defaults.restartsAfterSuccess()).isFalse();
    assertThat(policy(RestartType.ALWAYS, null, null, null).restartsAfterSuccess()).isTrue();
  }
}
