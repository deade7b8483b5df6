package dev.pipelines.streaming.api.compat;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.model.UpgradeSpec.OnIncompatibleChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What applying {@code desired} over the spec that last ran on a checkpoint leads to: resume it,
 * start a new checkpoint epoch, or nothing. One rule for the operator (its {@code UpgradePlanner})
 * and for {@code spo plan}, built on {@link CheckpointCompatibility} and the desired spec's
 * {@code upgrade.onIncompatibleChange}. Pure.
 *
 * @param outcome what happens
 * @param report the compatibility of the two specs
 * @param reusedOutputPaths for {@link Outcome#REFUSE_REUSED_OUTPUT_PATH}: the desired spec's files
 *     sinks (field path and path) that write where the old spec's files sinks wrote
 */
public record UpgradeDecision(Outcome outcome, CompatibilityReport report, List<String> reusedOutputPaths) {

  /** What the operator does. */
  public enum Outcome {
    /** Compatible: a graceful restart on the same checkpoint; state and positions are kept. */
    RESUME,
    /** Incompatible, and the spec asks for {@code resetCheckpoint}: a new checkpoint epoch, the old one kept. */
    RESET,
    /** Incompatible, and the spec says {@code refuse} (the default): nothing starts ({@code IncompatibleChange}). */
    REFUSE_INCOMPATIBLE,
    /**
     * Incompatible, {@code resetCheckpoint}, but a files sink keeps its path: a new checkpoint's batch
     * ids restart at 0 and Spark's file sink would skip them as written ({@code ResetNeedsNewOutputPath}).
     */
    REFUSE_REUSED_OUTPUT_PATH
  }

  /** The decision for {@code desired} applied over {@code recorded}, the spec that last ran on the checkpoint. */
  public static UpgradeDecision decide(StreamingPipeline recorded, StreamingPipeline desired) {
    return decide(QueryRecords.allFrom(recorded), desired);
  }

  /**
   * The decision for {@code desired} applied over the checkpoints {@code recorded} describes: each
   * query judged against the spec that last wrote it (a sink removed and added back included).
   */
  public static UpgradeDecision decide(QueryRecords recorded, StreamingPipeline desired) {
    CompatibilityReport report = CheckpointCompatibility.check(recorded, desired);
    if (report.compatible()) {
      return new UpgradeDecision(Outcome.RESUME, report, List.of());
    }
    if (desired.spec().upgradeOrDefault().onIncompatibleChangeOrDefault() != OnIncompatibleChange.RESET_CHECKPOINT) {
      return new UpgradeDecision(Outcome.REFUSE_INCOMPATIBLE, report, List.of());
    }
    List<String> reused = reusedOutputPaths(recorded, desired);
    return new UpgradeDecision(reused.isEmpty() ? Outcome.RESET : Outcome.REFUSE_REUSED_OUTPUT_PATH, report, reused);
  }

  /**
   * Files sinks of the desired spec writing where a recorded query's files sink wrote (a removed
   * sink's too: its batch log stays in the path), as field paths.
   */
  static List<String> reusedOutputPaths(QueryRecords recorded, StreamingPipeline desired) {
    List<String> before = recorded.lastSinks().stream().filter(s -> s.files() != null).map(s -> s.files().path()).filter(Objects::nonNull).toList();
    List<String> out = new ArrayList<>();
    List<SinkSpec> sinks = desired.spec().sinksOrEmpty();
    for (int i = 0; i < sinks.size(); i++) {
      SinkSpec s = sinks.get(i);
      if (s.files() != null && before.contains(s.files().path())) {
        out.add("spec.sinks[" + i + "].files.path (" + s.files().path() + ")");
      }
    }
    return out;
  }
}
