package dev.pipelines.streaming.operator.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a pipeline's recent micro-batches into a target executor count. Pure: state in,
 * decision and new state out.
 *
 * <p>The true processing rate of one executor is what it processes while busy (rows /
 * busy seconds / executors), not what it happened to process per wall-clock second, so an
 * idle job does not look slow. The need is the input rate plus the backlog spread over
 * {@code catchUp}:
 * <pre>required = ceil((inputRate + lag / catchUp) / (ratePerExecutor * targetUtilization))</pre>
 * bounded by min/max and by Kafka partitions / cores (more executors than partitions cannot
 * read faster). Nothing happens while utilization (need / capacity) stays within a band
 * around the target, so noise near a boundary cannot flip the count back and forth.
 * Scale-up acts at once, then waits {@code upStabilization}; scale-down goes only
 * to the highest need seen over {@code downStabilization}, not more often than that, and never
 * while a backlog is still being cleared. Ideas from the Flink autoscaler, adapted to
 * micro-batches.
 */
public final class Autoscaler {
  /** Backlog allowed before scale-down is held: this share of catchUp worth of input. */
  static final double LAG_TARGET_SHARE = 0.1;
  /** The band around targetUtilization in which the count is left alone. */
  static final double UP_MARGIN = 0.1;
  static final double DOWN_MARGIN = 0.2;

  public ScalingDecision decide(ScalingPolicy policy, List<ProgressSample> history, int current, ScalingState state,
      Instant now) {
    Instant since = now.minus(policy.window());
    List<ProgressSample> window = history.stream().filter(s -> !s.at().isBefore(since)).toList();
    long rows = window.stream().mapToLong(ProgressSample::numInputRows).sum();
    double busySeconds = window.stream().mapToLong(ProgressSample::busyMillis).sum() / 1000.0;
    if (window.isEmpty() || rows == 0 || busySeconds <= 0) {
      return hold(current, "waiting for progress with data", state);
    }
    int executors = Math.max(1, current);
    double ratePerExecutor = rows / busySeconds / executors;
    ProgressSample latest = window.get(window.size() - 1);
    // The window mean smooths noise but lags behind a step in load; the latest batch's rate,
    // when higher, lets the first scale-up after a step be big enough. The utilization band
    // and the stabilization windows keep single noisy batches from causing actions.
    double inputRate = Math.max(latest.inputRowsPerSecond(),
        window.stream().mapToDouble(ProgressSample::inputRowsPerSecond).average().orElse(0));
    long lag = latest.lag();
    double needRate = inputRate + lag / (double) policy.catchUp().toSeconds();
    int required = (int) Math.ceil(needRate / (ratePerExecutor * policy.targetUtilization()));
    int ceiling = policy.maxExecutors();
    if (latest.partitions() != null) {
      ceiling = Math.min(ceiling, Math.max(policy.minExecutors(),
          (int) Math.ceil(latest.partitions() / (double) policy.coresPerExecutor())));
    }
    int desired = Math.max(policy.minExecutors(), Math.min(ceiling, required));

    List<ScalingState.Recommendation> recent = new ArrayList<>();
    for (ScalingState.Recommendation r : state.recent()) {
      if (!r.at().isBefore(now.minus(policy.downStabilization()))) {
        recent.add(r);
      }
    }
    recent.add(new ScalingState.Recommendation(now, desired));
    ScalingState kept = new ScalingState(state.lastScaleTime(), List.copyOf(recent));
    double utilization = needRate / (ratePerExecutor * executors);
    String load = String.format(Locale.ROOT, "input %.0f rows/s, lag %d, %.0f rows/s per executor, utilization %.0f%%",
        inputRate, lag, ratePerExecutor, utilization * 100);
    boolean above = utilization > policy.targetUtilization() + UP_MARGIN || current < policy.minExecutors();
    boolean below = utilization < policy.targetUtilization() - DOWN_MARGIN || current > ceiling;

    if (desired > current && above) {
      if (within(state.lastScaleTime(), policy.upStabilization(), now)) {
        return hold(current, load + ": needs " + desired + ", waiting out the scale-up stabilization", kept);
      }
      return scale(current, desired, load + ": needs " + desired + (desired == ceiling && required > ceiling
          ? " (capped at " + ceiling + ")" : ""), kept, now);
    }
    if (desired < current && below) {
      double lagTarget = inputRate * policy.catchUp().toSeconds() * LAG_TARGET_SHARE;
      if (lag > lagTarget) {
        return hold(current, load + ": backlog above target, no scale-down", kept);
      }
      if (within(state.lastScaleTime(), policy.downStabilization(), now)) {
        return hold(current, load + ": needs " + desired + ", waiting out the scale-down stabilization", kept);
      }
      int highest = recent.stream().mapToInt(ScalingState.Recommendation::executors).max().orElse(desired);
      if (highest < current) {
        return scale(current, highest, load + ": " + highest + " suffice (highest need in the stabilization window)", kept, now);
      }
      return hold(current, load + ": a recent need was " + highest + ", keeping " + current, kept);
    }
    return hold(current, load + ": " + current + " fit the load", kept);
  }

  private static boolean within(Instant last, Duration period, Instant now) {
    return last != null && now.isBefore(last.plus(period));
  }

  private static ScalingDecision hold(int current, String reason, ScalingState state) {
    return new ScalingDecision(current, current, false, reason, state);
  }

  private static ScalingDecision scale(int current, int desired, String reason, ScalingState state, Instant now) {
    return new ScalingDecision(current, desired, true, reason, new ScalingState(now, state.recent()));
  }
}
