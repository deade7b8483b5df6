package dev.pipelines.streaming.operator.autoscale;

import dev.pipelines.streaming.api.model.AutoscalingSpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.time.Duration;

/** spec.autoscaling, parsed, plus the executor size the rates are per. */
public record ScalingPolicy(int minExecutors, int maxExecutors, double targetUtilization, Duration catchUp,
    Duration upStabilization, Duration downStabilization, Duration window, int coresPerExecutor) {

  public static ScalingPolicy from(AutoscalingSpec a, int coresPerExecutor) {
    return new ScalingPolicy(a.minExecutorsOrDefault(), a.maxExecutors(), a.targetUtilizationOrDefault(),
        Durations.require(a.catchUpDurationOrDefault()), Durations.require(a.scaleUpStabilizationOrDefault()),
        Durations.require(a.scaleDownStabilizationOrDefault()), Durations.require(a.metricsWindowOrDefault()),
        coresPerExecutor);
  }
}
