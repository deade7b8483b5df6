package dev.pipelines.streaming.api;

/**
 * The contract between the runner ({@code spo run}) and the operator: how a run ends. The runner
 * returns these; the operator retries only what a retry can fix (1, 4) and reports the others.
 */
public final class RunnerExitCodes {
  /** Queries ended normally (availableNow), or stopped gracefully (SIGINT, SIGTERM, /control stop). */
  public static final int OK = 0;
  /** A streaming query failed; running again resumes from the checkpoint. */
  public static final int QUERY_FAILED = 1;
  /** The pipeline file or the command line is invalid; the same input fails the same way. */
  public static final int INVALID = 2;
  /** The checkpoint cannot be resumed by this spec; a retry never helps. */
  public static final int INCOMPATIBLE_CHECKPOINT = 3;
  /**
   * Another driver holds (or took) the checkpoint's Lease; this one committed nothing after
   * losing it. A retry waits for the Lease, so it may help.
   */
  public static final int LEASE_LOST = 4;

  private RunnerExitCodes() {}
}
