package dev.pipelines.streaming.api.upgrade;

/** The {@link UpgradePlanner}'s answer to "may the desired spec start now, and on which checkpoint epoch?". */
public sealed interface StartPlan {
  /**
   * Start on checkpoint epoch {@code epoch}.
   *
   * @param reset true when this is a new epoch because the change could not resume the old one
   * @param note a sentence for status and events ("on the same checkpoint", "in a fresh checkpoint ...")
   * @param checkedAgainstRecord the spec was found compatible with the spec recorded for this epoch
   */
  record Start(int epoch, boolean reset, String note, boolean checkedAgainstRecord) implements StartPlan {
    public Start(int epoch, boolean reset, String note) {
      this(epoch, reset, note, false);
    }
  }

  /**
   * Nothing may start: the condition reason ({@code IncompatibleChange},
   * {@code UnknownCheckpointSpec}, {@code ResetNeedsNewOutputPath}) and the message naming the fields.
   */
  record Refuse(String reason, String message) implements StartPlan {}
}
