package dev.pipelines.streaming.operator.reconcile;

/** What the reconciler asks of the cluster. */
public sealed interface Action {
  /**
   * Create driver attempt {@code attempt} for the current spec in checkpoint epoch {@code epoch}.
   *
   * @param adoptCheckpoint the {@link dev.pipelines.streaming.api.upgrade.UpgradePlanner} checked the spec against the spec the
   *     operator recorded for this checkpoint, so the runner may adopt a checkpoint that an older
   *     runner wrote without its own record ({@code spo run --adopt-checkpoint})
   */
  record StartDriver(int attempt, int epoch, boolean adoptCheckpoint) implements Action {
    public StartDriver(int attempt, int epoch) {
      this(attempt, epoch, false);
    }
  }

  /** Delete the driver pod; the kubelet sends SIGTERM and the runner finishes its batch. */
  record StopDriver(String podName, long gracePeriodSeconds) implements Action {}
}
