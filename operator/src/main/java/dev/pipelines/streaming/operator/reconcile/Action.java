package dev.pipelines.streaming.operator.reconcile;

/** What the reconciler asks of the cluster. */
public sealed interface Action {
  /** Create driver attempt {@code attempt} for the current spec in checkpoint epoch {@code epoch}. */
  record StartDriver(int attempt, int epoch) implements Action {}

  /** Delete the driver pod; the kubelet sends SIGTERM and the runner finishes its batch. */
  record StopDriver(String podName, long gracePeriodSeconds) implements Action {}
}
