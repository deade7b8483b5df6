package dev.pipelines.streaming.api.upgrade;

import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.PipelineLoader;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.compat.QueryRecords;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the operator knows about the spec that last ran (or may have run) on a pipeline's
 * checkpoint: the spec ConfigMap {@code <name>-spec} it writes before every driver start, and
 * the checkpoint epoch and generation it was written for. Beside the spec, the ConfigMap keeps,
 * for each sink that was removed in this epoch, the spec that last ran it (key
 * {@code retired.<sink>.yaml}): its query directory stays in the checkpoint, and if the sink is
 * added back it is judged against that spec ({@link QueryRecords}).
 *
 * @param state whether the record exists and could be read
 * @param spec the recorded spec; null unless {@code state == PRESENT}
 * @param queries for each query of this epoch's checkpoint, the spec that last wrote it (the
 *     recorded spec's sinks, and the removed sinks'); empty unless {@code state == PRESENT}
 * @param epoch the checkpoint epoch the spec was handed to; null for a record written by an
 *     operator before 0.2 (no epoch annotation), which means "the epoch in status"
 * @param generation the pipeline generation of the recorded spec, or null if unknown
 */
public record CheckpointRecord(State state, StreamingPipeline spec, QueryRecords queries, Integer epoch,
    Long generation) {
  public enum State { MISSING, UNREADABLE, PRESENT }

  /** The ConfigMap key prefix of a removed sink's last spec: {@code retired.<sink>.yaml}. */
  public static final String RETIRED_PREFIX = "retired.";
  static final String RETIRED_SUFFIX = ".yaml";

  public static final CheckpointRecord MISSING = new CheckpointRecord(State.MISSING, null, QueryRecords.NONE, null, null);

  public static CheckpointRecord unreadable(Integer epoch) {
    return new CheckpointRecord(State.UNREADABLE, null, QueryRecords.NONE, epoch, null);
  }

  /** A record whose spec wrote every query there is (no sink was removed in its epoch). */
  public static CheckpointRecord of(StreamingPipeline spec, Integer epoch, Long generation) {
    return of(spec, QueryRecords.allFrom(spec), epoch, generation);
  }

  public static CheckpointRecord of(StreamingPipeline spec, QueryRecords queries, Integer epoch, Long generation) {
    return new CheckpointRecord(State.PRESENT, spec, queries, epoch, generation);
  }

  /**
   * The ConfigMap data recording that {@code starting} is handed to a driver in checkpoint epoch
   * {@code epoch}: the spec, and the last spec of every sink this record's queries have that
   * {@code starting} does not, when this record is of the same epoch (a new epoch has fresh
   * query directories, so nothing is carried over).
   */
  public Map<String, String> configMapData(StreamingPipeline starting, int epoch) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put(SpecRecordNames.SPEC_FILE, yaml(starting));
    boolean sameEpoch = this.epoch == null || this.epoch == epoch; // no annotation: the epoch in status
    if (state == State.PRESENT && sameEpoch) {
      queries.retiredFrom(starting).forEach((sink, spec) -> data.put(RETIRED_PREFIX + sink + RETIRED_SUFFIX, yaml(spec)));
    }
    return data;
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
    Map<String, StreamingPipeline> retired = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : data.entrySet()) {
      String key = e.getKey();
      if (key.startsWith(RETIRED_PREFIX) && key.endsWith(RETIRED_SUFFIX)) {
        LoadResult sink = PipelineLoader.parse(e.getValue());
        if (sink.pipeline() == null || sink.pipeline().spec() == null) {
          return unreadable(epoch); // fail closed: a removed query's last spec is unknown
        }
        retired.put(key.substring(RETIRED_PREFIX.length(), key.length() - RETIRED_SUFFIX.length()), sink.pipeline());
      }
    }
    Integer generation = parseInt(a.get(SpecRecordNames.ANNOTATION_GENERATION));
    return of(loaded.pipeline(), new QueryRecords(retired).after(loaded.pipeline()), epoch,
        generation == null ? null : Long.valueOf(generation));
  }

  private static String yaml(StreamingPipeline spec) {
    try {
      return PipelineLoader.yamlMapper().writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the spec of " + spec.name() + " as YAML", e);
    }
  }

  private static Integer parseInt(String s) {
    try {
      return s == null ? null : Integer.valueOf(s.strip());
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
