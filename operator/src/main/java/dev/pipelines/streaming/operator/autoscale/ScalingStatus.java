package dev.pipelines.streaming.operator.autoscale;

import dev.pipelines.streaming.api.model.AutoscalingSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.status.AutoscalerStatus;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.autoscaler.ScalingDecision;
import dev.pipelines.streaming.autoscaler.ScalingPolicy;
import dev.pipelines.streaming.autoscaler.ScalingState;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * Between the autoscaler module and the pipeline: its policy from {@code spec.autoscaling}, and
 * its state kept in {@code status.autoscaler}, so an operator restart continues the windows.
 * Status, not a ConfigMap: the pipeline's author cannot write status, and {@code kubectl get}
 * shows it. Unreadable entries are dropped (the state only delays actions; none is invented).
 */
public final class ScalingStatus {
  private ScalingStatus() {}

  /** spec.autoscaling as the policy, with the executor size from spec.executor. */
  public static ScalingPolicy policy(PipelineSpec spec) {
    AutoscalingSpec a = spec.autoscaling();
    return new ScalingPolicy(a.minExecutorsOrDefault(), a.maxExecutors(), a.targetUtilizationOrDefault(),
        Durations.require(a.catchUpDurationOrDefault()), Durations.require(a.scaleUpStabilizationOrDefault()),
        Durations.require(a.scaleDownStabilizationOrDefault()), Durations.require(a.metricsWindowOrDefault()),
        spec.executorOrDefault().coresOrDefault(), a.maxScaleDownFactorOrDefault());
  }

  /**
   * The state recorded in status (INITIAL when there is none), without what happened before
   * {@code driverSince}: a new driver starts at executor.instances with a history of its own.
   */
  public static ScalingState state(AutoscalerStatus s, Instant driverSince) {
    if (s == null) {
      return ScalingState.INITIAL;
    }
    List<ScalingState.Recommendation> recs = new ArrayList<>();
    if (s.recommendations() != null) {
      for (AutoscalerStatus.Recommendation r : s.recommendations()) {
        Instant at = instant(r == null ? null : r.at());
        if (current(at, driverSince) && r.executors() != null) {
          recs.add(new ScalingState.Recommendation(at, r.executors()));
        }
      }
    }
    Instant last = instant(s.lastScaleTime());
    return new ScalingState(current(last, driverSince) ? last : null, recs, scaleUp(s.unverifiedScaleUp(), driverSince),
        scaleUp(s.ineffectiveScaleUp(), driverSince));
  }

  private static boolean current(Instant at, Instant driverSince) {
    return at != null && (driverSince == null || !at.isBefore(driverSince));
  }

  /** status.autoscaler after a decision: what it wants and why, and the state to continue from. */
  public static AutoscalerStatus status(ScalingDecision d, ScalingState kept, int registered, int pending, boolean dryRun) {
    List<AutoscalerStatus.Recommendation> recs = kept.recommendations().stream()
        .map(r -> new AutoscalerStatus.Recommendation(r.at().toString(), r.executors())).toList();
    return new AutoscalerStatus(d.desired(), registered, pending, (dryRun ? "dry run: " : "") + d.reason(),
        kept.lastScaleTime() == null ? null : kept.lastScaleTime().toString(), dryRun ? true : null,
        recs.isEmpty() ? null : recs, scaleUp(kept.unverifiedScaleUp()), scaleUp(kept.ineffectiveScaleUp()));
  }

  private static ScalingState.ScaleUp scaleUp(AutoscalerStatus.ScaleUp s, Instant driverSince) {
    Instant at = instant(s == null ? null : s.at());
    if (!current(at, driverSince) || s.from() == null || s.to() == null || s.processingRateBefore() == null || s.from() < 1) {
      return null;
    }
    return new ScalingState.ScaleUp(at, s.from(), s.to(), s.processingRateBefore());
  }

  private static AutoscalerStatus.ScaleUp scaleUp(ScalingState.ScaleUp s) {
    return s == null ? null : new AutoscalerStatus.ScaleUp(s.at().toString(), s.from(), s.to(),
        Math.round(s.processingRateBefore() * 10) / 10.0);
  }

  private static Instant instant(String s) {
    try {
      return s == null ? null : Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
