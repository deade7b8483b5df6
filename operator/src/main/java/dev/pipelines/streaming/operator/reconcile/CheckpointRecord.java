package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.model.StreamingPipeline;

/**
 * What the operator knows about the spec that last ran (or may have run) on a pipeline's
 * checkpoint: the spec ConfigMap {@code <name>-spec} it writes before every driver start, and
 * the checkpoint epoch and generation it was written for.
 *
 * @param state whether the record exists and could be read
 * @param spec the recorded spec; null unless {@code state == PRESENT}
 * @param epoch the checkpoint epoch the spec was handed to; null for a record written by an
 *     operator before 0.2 (no epoch annotation), which means "the epoch in status"
 * @param generation the pipeline generation of the recorded spec, or null if unknown
 */
public record CheckpointRecord(State state, StreamingPipeline spec, Integer epoch, Long generation) {
  public enum State { MISSING, UNREADABLE, PRESENT }

  public static final CheckpointRecord MISSING = new CheckpointRecord(State.MISSING, null, null, null);

  public static CheckpointRecord unreadable(Integer epoch) {
    return new CheckpointRecord(State.UNREADABLE, null, epoch, null);
  }

  public static CheckpointRecord of(StreamingPipeline spec, Integer epoch, Long generation) {
    return new CheckpointRecord(State.PRESENT, spec, epoch, generation);
  }
}
