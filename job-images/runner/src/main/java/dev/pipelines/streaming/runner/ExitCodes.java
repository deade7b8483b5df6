package dev.pipelines.streaming.runner;

import dev.pipelines.streaming.api.RunnerExitCodes;

/**
 * How {@code spo} ends, in one place for the CLI: the codes (the operator's contract,
 * {@link RunnerExitCodes}) and the lines {@code spo run --help} prints for them.
 */
public final class ExitCodes {
  /** Queries ended normally (availableNow), or stopped gracefully (SIGINT, SIGTERM, /control stop). */
  public static final int OK = RunnerExitCodes.OK;
  /** A streaming query failed; running again resumes from the checkpoint. */
  public static final int QUERY_FAILED = RunnerExitCodes.QUERY_FAILED;
  /** The pipeline file or the command line is invalid; the same input fails the same way. */
  public static final int INVALID = RunnerExitCodes.INVALID;
  /** The checkpoint cannot be resumed by this spec (see run.CheckpointGuard); a retry never helps. */
  public static final int INCOMPATIBLE_CHECKPOINT = RunnerExitCodes.INCOMPATIBLE_CHECKPOINT;
  /** Another driver holds the checkpoint Lease (--lease); nothing was committed after losing it. */
  public static final int LEASE_LOST = RunnerExitCodes.LEASE_LOST;

  /** The lines picocli prints under "Exit codes:" ({@code code:description}). */
  public static final String OK_HELP = OK + ":queries ended normally (availableNow), or stopped gracefully"
      + " (Ctrl-C, SIGTERM, /control stop)";
  public static final String QUERY_FAILED_HELP = QUERY_FAILED + ":a streaming query failed (run again to resume"
      + " from the checkpoint)";
  public static final String INVALID_HELP = INVALID + ":the pipeline file is invalid, or the command line is wrong";
  public static final String INCOMPATIBLE_CHECKPOINT_HELP = INCOMPATIBLE_CHECKPOINT + ":the checkpoint cannot be"
      + " resumed with this spec (incompatible change, unknown spec, or a files sink path holding another"
      + " checkpoint's batches); nothing was started";

  public static final String LEASE_LOST_HELP = LEASE_LOST + ":with --lease: another driver took the checkpoint"
      + " Lease (or it could not be renewed); nothing was committed after that";

  private ExitCodes() {}
}
