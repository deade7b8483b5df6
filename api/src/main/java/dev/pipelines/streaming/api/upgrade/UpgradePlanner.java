package dev.pipelines.streaming.api.upgrade;

import dev.pipelines.streaming.api.compat.UpgradeDecision;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.model.UpgradeSpec.OnIncompatibleChange;

/**
 * Owns one question: may the desired spec start now, and on which checkpoint epoch? Asked
 * <em>every</em> time a driver is about to start (first start, restart after a failure, resume
 * after suspend, rollout of a new generation), never only while a driver runs: a refused change
 * must not start on the old checkpoint because the old driver failed or was suspended meanwhile.
 *
 * <p>The desired spec is checked, query by query, against the spec the operator last handed to
 * a driver on the current epoch, or for a sink removed and added back within it, against the
 * spec that last ran that sink ({@link CheckpointRecord#queries()}), with the same checker the runner and the CLI use
 * (Spark guide, "Recovery Semantics after Changes in a Streaming Query"). It fails closed: when
 * a driver has started before but that spec is missing or unreadable, nothing starts
 * ({@code UnknownCheckpointSpec}) unless the author asked for a fresh checkpoint. Pure: no I/O.
 */
public final class UpgradePlanner {

  /**
   * @param desired the spec to start
   * @param generation its metadata.generation (for messages)
   * @param record the spec last handed to a driver, as read from the cluster
   * @param statusEpoch the checkpoint epoch status records (0 when none)
   * @param startedBefore whether a driver of this pipeline was ever started (status or a pod says so)
   * @param checkpointLocation for messages
   */
  public StartPlan plan(StreamingPipeline desired, long generation, CheckpointRecord record, int statusEpoch,
      boolean startedBefore, String checkpointLocation) {
    OnIncompatibleChange policy = desired.spec().upgradeOrDefault().onIncompatibleChangeOrDefault();
    if (record.state() != CheckpointRecord.State.PRESENT) {
      if (!startedBefore || (record.epoch() != null && record.epoch() < statusEpoch)) {
        return new StartPlan.Start(statusEpoch, false, statusEpoch == 0 ? "on a new checkpoint" : "in checkpoint epoch " + statusEpoch);
      }
      String what = "the spec that last ran on checkpoint " + checkpointLocation + " is unknown (ConfigMap "
          + desired.name() + "-spec is " + (record.state() == CheckpointRecord.State.MISSING ? "missing" : "unreadable")
          + "), so generation " + generation + " cannot be checked against it";
      if (policy == OnIncompatibleChange.RESET_CHECKPOINT) {
        return reset(statusEpoch, what);
      }
      return new StartPlan.Refuse("UnknownCheckpointSpec", what + ". Nothing is started. Set "
          + "spec.upgrade.onIncompatibleChange: resetCheckpoint to start in a fresh checkpoint (the old one is kept), "
          + "or restore the ConfigMap (see docs/operator.md#unknown-checkpoint-spec)");
    }
    int recordedEpoch = record.epoch() == null ? statusEpoch : record.epoch();
    // A record newer than status means status was lost or is stale: the record is written before every start.
    int epoch = recordedEpoch;
    UpgradeDecision decision = UpgradeDecision.decide(record.queries(), desired);
    String why = "generation " + generation + " cannot resume from the checkpoint: " + decision.report().summary();
    if (recordedEpoch < statusEpoch) {
      // Status records a reset to a new epoch, and no spec was handed to a driver there yet (the
      // record is written before every start): the reset is still only an intent. A spec that can
      // resume the recorded epoch withdraws it, and nothing is dropped; one that still asks for the
      // reset starts fresh; one the recorded epoch refuses (its policy now refuse, a files sink
      // writing where the old epoch's did) is refused as it would be without the pending reset.
      if (decision.outcome() == UpgradeDecision.Outcome.RESUME) {
        return new StartPlan.Start(recordedEpoch, false, "on the same checkpoint (epoch " + recordedEpoch + "): generation "
            + generation + " resumes it, so the reset to epoch " + statusEpoch + " that no driver started is withdrawn", true);
      }
      if (decision.outcome() == UpgradeDecision.Outcome.RESET) {
        return new StartPlan.Start(statusEpoch, false, "in a fresh checkpoint (epoch " + statusEpoch + ")");
      }
    }
    return switch (decision.outcome()) {
      case RESUME -> new StartPlan.Start(epoch, false, "on the same checkpoint", true);
      case RESET -> reset(epoch, why);
      case REFUSE_REUSED_OUTPUT_PATH -> new StartPlan.Refuse("ResetNeedsNewOutputPath", why + ". A fresh checkpoint"
          + " restarts Spark's batch ids at 0, and Spark's file sink skips every batch id already in the path's"
          + " _spark_metadata log, so rows would be lost: give " + String.join(", ", decision.reusedOutputPaths())
          + " a new path for the new checkpoint");
      case REFUSE_INCOMPATIBLE -> new StartPlan.Refuse("IncompatibleChange", why
          + ". Set spec.upgrade.onIncompatibleChange: resetCheckpoint to start over in a fresh checkpoint");
    };
  }

  private static StartPlan reset(int epoch, String why) {
    return new StartPlan.Start(epoch + 1, true, "in a fresh checkpoint (epoch " + (epoch + 1)
        + "; the old one is kept) because " + why);
  }
}
