package dev.pipelines.streaming.api.upgrade;

import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.Map;

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

  /**
   * The record held by an existing {@code <name>-spec} ConfigMap ({@link SpecRecordNames}), from
   * its annotations and data (either may be null); unreadable when it holds no readable spec.
   * Read leniently: a spec that later rules would refuse is still the spec that ran.
   */
  public static CheckpointRecord fromConfigMap(Map<String, String> annotations, Map<String, String> data) {
    Map<String, String> a = annotations == null ? Map.of() : annotations;
    Integer epoch = parseInt(a.get(SpecRecordNames.ANNOTATION_EPOCH));
    String yaml = data == null ? null : data.get(SpecRecordNames.SPEC_FILE);
    LoadResult loaded = yaml == null ? null : PipelineLoader.parse(yaml);
    if (loaded == null || loaded.pipeline() == null || loaded.pipeline().spec() == null) {
      return unreadable(epoch);
    }
    Integer generation = parseInt(a.get(SpecRecordNames.ANNOTATION_GENERATION));
    return of(loaded.pipeline(), epoch, generation == null ? null : Long.valueOf(generation));
  }

  private static Integer parseInt(String s) {
    try {
      return s == null ? null : Integer.valueOf(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
