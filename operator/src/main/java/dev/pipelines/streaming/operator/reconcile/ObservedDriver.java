package dev.pipelines.streaming.operator.reconcile;

/**
 * The latest driver pod of a pipeline as the cluster shows it.
 *
 * @param terminationReason for a finished driver: exit code, reason and message
 * @param logTail last lines of the driver's log when it failed (null if unavailable)
 */
public record ObservedDriver(
    String podName, int attempt, long specGeneration, Phase phase, String terminationReason, String logTail) {

  public enum Phase { PENDING, RUNNING, SUCCEEDED, FAILED, TERMINATING }

  public boolean active() {
    return phase == Phase.PENDING || phase == Phase.RUNNING;
  }
}
