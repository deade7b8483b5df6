package dev.pipelines.streaming.runner;

/**
 * How {@code spo} ends, in one place: the CLI returns these, the help and docs list them, and
 * the operator decides from them whether a restart can help (1) or never will (2, 3).
 */
public final class ExitCodes {
  /** Queries ended normally (availableNow), or stopped gracefully (SIGINT, SIGTERM, /control stop). */
  public static final int OK = 0;
  /** A streaming query failed; running again resumes from the checkpoint. */
  public static final int QUERY_FAILED = 1;
  /** The pipeline file or the command line is invalid; the same input fails the same way. */
  public static final int INVALID = 2;
  /** The checkpoint cannot be resumed by this spec (see run.CheckpointGuard); a retry never helps. */
  public static final int INCOMPATIBLE_CHECKPOINT = 3;

  /** The lines picocli prints under "Exit codes:" ({@code code:description}). */
  public static final String OK_HELP = OK + ":queries ended normally (availableNow), or stopped gracefully"
      + " (Ctrl-C, SIGTERM, /control stop)";
  public static final String QUERY_FAILED_HELP = QUERY_FAILED + ":a streaming query failed (run again to resume"
      + " from the checkpoint)";
  public static final String INVALID_HELP = INVALID + ":the pipeline file is invalid, or the command line is wrong";
  public static final String INCOMPATIBLE_CHECKPOINT_HELP = INCOMPATIBLE_CHECKPOINT + ":the checkpoint cannot be"
      + " resumed with this spec (incompatible change, unknown spec, or a files sink path holding another"
      + " checkpoint's batches); nothing was started";

  private ExitCodes() {}
}
