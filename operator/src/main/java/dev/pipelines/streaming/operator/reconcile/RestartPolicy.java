package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.RunnerExitCodes;
import dev.pipelines.streaming.api.model.RestartPolicySpec;
import dev.pipelines.streaming.api.model.RestartPolicySpec.RestartType;
import dev.pipelines.streaming.api.validation.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether and when a driver that ended is started again ({@code spec.restartPolicy}, defaults
 * in docs/operator.md): retries only what a retry can fix (the runner's exit codes,
 * {@link RunnerExitCodes}, documented in {@code spo run --help}), an exponential
 * backoff from {@code initialBackoff} doubling per restart up to {@code maxBackoff}, at most
 * {@code maxRestarts}, a count reset after {@code resetAfter} of healthy running, and a
 * {@code startTimeout} for a driver that never runs. Pure: the Decider applies it.
 */
final class RestartPolicy {
  private final RestartPolicySpec spec;

  RestartPolicy(RestartPolicySpec spec) {
    this.spec = spec;
  }

  /**
   * The condition reason when the runner's exit code says a restart would fail the same way
   * (it refused the spec, or the checkpoint), else null: a failed query (1), a lost Lease (4) or
   * a killed JVM may well succeed next time.
   */
  static String permanentFailure(Integer exitCode) {
    if (exitCode == null) {
      return null;
    }
    return switch (exitCode) {
      case RunnerExitCodes.INVALID -> "RunnerRefusedSpec";
      case RunnerExitCodes.INCOMPATIBLE_CHECKPOINT -> "IncompatibleCheckpoint";
      default -> null;
    };
  }

  /** Whether a driver that ended successfully ({@code availableNow}) is started again. */
  boolean restartsAfterSuccess() {
    return spec.typeOrDefault() == RestartType.ALWAYS;
  }

  /** Why no restart follows {@code restartsSoFar} restarts ("restartPolicy is Never", "gave up after 3 restarts"), or null. */
  String givesUp(int restartsSoFar) {
    if (spec.typeOrDefault() == RestartType.NEVER) {
      return "restartPolicy is Never";
    }
    return restartsSoFar >= maxRestarts()
        ? "gave up after " + restartsSoFar + (restartsSoFar == 1 ? " restart" : " restarts") : null;
  }

  int maxRestarts() {
    return spec.maxRestartsOrDefault();
  }

  /** The wait before restart number {@code restartsSoFar + 1}: initialBackoff × 2^restartsSoFar, at most maxBackoff. */
  Duration backoff(int restartsSoFar) {
    Duration initial = Durations.require(spec.initialBackoffOrDefault());
    Duration max = Durations.require(spec.maxBackoffOrDefault());
    Duration d = initial.multipliedBy(1L << Math.min(restartsSoFar, 20));
    return d.compareTo(max) > 0 ? max : d;
  }

  /** Whether a driver running since {@code since} has been healthy long enough to forget earlier restarts. */
  boolean resetsCount(Instant since, Instant now) {
    return Duration.between(since, now).compareTo(Durations.require(spec.resetAfterOrDefault())) >= 0;
  }

  String resetAfter() {
    return spec.resetAfterOrDefault();
  }

  /** Whether a driver created at {@code createdAt} and still not running has used up its startTimeout. */
  boolean startTimedOut(Instant createdAt, Instant now) {
    return !now.isBefore(createdAt.plus(Durations.require(spec.startTimeoutOrDefault())));
  }

  /** How long a driver created at {@code createdAt} may still take to run. */
  Duration startTimeLeft(Instant createdAt, Instant now) {
    return Duration.between(now, createdAt.plus(Durations.require(spec.startTimeoutOrDefault())));
  }

  String startTimeout() {
    return spec.startTimeoutOrDefault();
  }
}
