package dev.pipelines.streaming.autoscaler;

import java.time.Duration;

/**
 * A pipeline's autoscaling settings (its {@code spec.autoscaling}, parsed) plus the executor
 * size the rates are per.
 *
 * @param targetUtilization busy share of the executors to aim for, in (0, 1]
 * @param catchUp time in which a backlog should be cleared
 * @param upStabilization wait after any scale action before scaling up again
 * @param downStabilization scale down only to the highest need seen in this window, and not
 *     more often
 * @param metricsWindow how much recent progress the rates average over
 * @param coresPerExecutor task slots per executor ({@code spark.executor.cores})
 * @param maxScaleDownFactor the largest share of executors one scale-down may remove, in
 *     (0, 1] (Flink's {@code job.autoscaler.scale-down.max-factor})
 */
public record ScalingPolicy(int minExecutors, int maxExecutors, double targetUtilization, Duration catchUp,
    Duration upStabilization, Duration downStabilization, Duration metricsWindow, int coresPerExecutor,
    double maxScaleDownFactor) {

  public ScalingPolicy {
    if (minExecutors < 0 || maxExecutors < Math.max(1, minExecutors)) {
      throw new IllegalArgumentException("need 0 <= minExecutors <= maxExecutors, 1 <= maxExecutors; got "
          + minExecutors + ", " + maxExecutors);
    }
    if (!(targetUtilization > 0 && targetUtilization <= 1) || !(maxScaleDownFactor > 0 && maxScaleDownFactor <= 1)) {
      throw new IllegalArgumentException("targetUtilization and maxScaleDownFactor must be in (0, 1]");
    }
    if (coresPerExecutor < 1 || catchUp.isNegative() || catchUp.isZero()) {
      throw new IllegalArgumentException("coresPerExecutor must be >= 1 and catchUp > 0");
    }
  }
}
