package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.RunnerExitCodes;

/**
 * What the operator does with the runner's exit codes ({@link RunnerExitCodes}, documented in
 * spo run --help): only a failure that a retry can fix is retried.
 */
public final class RunnerExit {
  private RunnerExit() {}

  /** The condition reason for an exit no retry can fix, or null when a restart may help. */
  public static String permanentFailureReason(Integer exitCode) {
    if (exitCode == null) {
      return null;
    }
    return switch (exitCode) {
      case RunnerExitCodes.INVALID -> "RunnerRefusedSpec";
      case RunnerExitCodes.INCOMPATIBLE_CHECKPOINT -> "IncompatibleCheckpoint";
      default -> null;
    };
  }
}
