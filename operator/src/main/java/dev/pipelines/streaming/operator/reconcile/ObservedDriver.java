package dev.pipelines.streaming.operator.reconcile;

/**
 * The latest driver pod of a pipeline as the cluster shows it.
 *
 * @param terminationReason for a finished driver: exit code, reason and the termination message
 *     the runner wrote (never raw log lines: they may carry secrets)
 * @param exitCode the driver container's exit code once terminated (see {@link dev.pipelines.streaming.api.RunnerExitCodes}), else null
 * @param waiting for a pending driver: why it is not running yet, or null
 * @param uid the pod's metadata.uid (null in tests that do not care)
 */
public record ObservedDriver(String podName, int attempt, long specGeneration, Phase phase, String terminationReason,
    Integer exitCode, PodWaiting.Reason waiting, String uid) {

  public ObservedDriver(String podName, int attempt, long specGeneration, Phase phase, String terminationReason,
      Integer exitCode, PodWaiting.Reason waiting) {
    this(podName, attempt, specGeneration, phase, terminationReason, exitCode, waiting, null);
  }

  public enum Phase { PENDING, RUNNING, SUCCEEDED, FAILED, TERMINATING }

  public boolean active() {
    return phase == Phase.PENDING || phase == Phase.RUNNING;
  }
}
