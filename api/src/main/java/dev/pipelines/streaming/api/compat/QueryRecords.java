package dev.pipelines.streaming.api.compat;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * For each sink's query, the spec that last wrote its checkpoint directory. Each sink is its own
 * streaming query with its own directory ({@code <root>/<pipeline>/<sink>}), and a sink that is
 * removed keeps its directory: when it is added back, Spark resumes whatever that directory holds.
 * So a change is judged per query, against the spec that last wrote <em>that</em> query, not
 * against the pipeline's last spec (which no longer has the sink, and would call it new).
 *
 * <p>The runner reads these records from the query directories themselves; the operator keeps
 * the records of removed sinks beside the last spec in its spec ConfigMap. Both judge them with
 * {@link CheckpointCompatibility#check(QueryRecords, StreamingPipeline)}.
 *
 * @param lastWrittenBy sink name to the whole pipeline spec that last ran that sink's query
 */
public record QueryRecords(Map<String, StreamingPipeline> lastWrittenBy) {
  public static final QueryRecords NONE = new QueryRecords(Map.of());

  public QueryRecords {
    lastWrittenBy = Collections.unmodifiableMap(new LinkedHashMap<>(lastWrittenBy));
  }

  /** Every sink of {@code spec} last written by {@code spec}: what one recorded spec alone says. */
  public static QueryRecords allFrom(StreamingPipeline spec) {
    Map<String, StreamingPipeline> records = new LinkedHashMap<>();
    for (SinkSpec sink : spec.spec().sinksOrEmpty()) {
      if (sink != null && sink.name() != null) {
        records.put(sink.name(), spec);
      }
    }
    return new QueryRecords(records);
  }

  /** The spec that last wrote {@code sink}'s query, or null when no record says (a new query). */
  public StreamingPipeline lastWrote(String sink) {
    return lastWrittenBy.get(sink);
  }

  /** Each recorded query's sink, as the spec that last wrote the query configured it. */
  public List<SinkSpec> lastSinks() {
    List<SinkSpec> sinks = new ArrayList<>();
    lastWrittenBy.forEach((name, spec) -> spec.spec().sinksOrEmpty().stream()
        .filter(s -> s != null && name.equals(s.name())).findFirst().ifPresent(sinks::add));
    return sinks;
  }

  /**
   * The records once {@code ran} has started on the same checkpoints: its sinks are now written by
   * it; the sinks it does not have keep the spec that last wrote them.
   */
  public QueryRecords after(StreamingPipeline ran) {
    Map<String, StreamingPipeline> records = new LinkedHashMap<>(lastWrittenBy);
    records.putAll(allFrom(ran).lastWrittenBy());
    return new QueryRecords(records);
  }

  /** The records of sinks {@code current} does not have: queries that were removed, and their last spec. */
  public Map<String, StreamingPipeline> retiredFrom(StreamingPipeline current) {
    Set<String> live = allFrom(current).lastWrittenBy().keySet();
    Map<String, StreamingPipeline> retired = new LinkedHashMap<>(lastWrittenBy);
    retired.keySet().removeAll(live);
    return retired;
  }
}
