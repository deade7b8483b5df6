package dev.pipelines.streaming.operator.reconcile;

/**
 * The runner's documented exit codes (spo run --help) and what the operator does with each:
 * only a failure that a retry can fix is retried.
 */
public final class RunnerExit {
  /** Every query stopped gracefully or ended. */
  public static final int STOPPED = 0;
  /** A query failed; a restart resumes from the checkpoint. */
  public static final int QUERY_FAILED = 1;
  /** The runner refused the spec as invalid: the same spec fails the same way. */
  public static final int INVALID_SPEC = 2;
  /** The spec cannot resume from the checkpoint it was given (the runner's own guard). */
  public static final int INCOMPATIBLE_CHECKPOINT = 3;

  private RunnerExit() {}

  /** The condition reason for an exit no retry can fix, or null when a restart may help. */
  public static String permanentFailureReason(Integer exitCode) {
    if (exitCode == null) {
      return null;
    }
    return switch (exitCode) {
      case INVALID_SPEC -> "RunnerRefusedSpec";
      case INCOMPATIBLE_CHECKPOINT -> "IncompatibleCheckpoint";
      default -> null;
    };
  }
}
