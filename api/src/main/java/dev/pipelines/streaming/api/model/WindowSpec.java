package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * A windowed aggregation on an event-time column. Output columns: windowStart, windowEnd,
 * the groupBy keys, then one column per aggregation.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WindowSpec(
    @JsonPropertyDescription("tumbling, sliding or session.") WindowType type,
    @JsonPropertyDescription("Event-time column (timestamp).") String column,
    @JsonPropertyDescription("Window length (tumbling, sliding), e.g. 1m.") String size,
    @JsonPropertyDescription("How often a sliding window starts; at most size.") String slide,
    @JsonPropertyDescription("Inactivity gap that closes a session window.") String gap,
    @JsonPropertyDescription("Offset of window starts from 1970-01-01T00:00:00Z (Spark's startTime), less than the "
        + "slide (tumbling: the size); e.g. 15m for hourly windows from :15, 23h for days starting at 00:00 UTC+01:00.")
    String startTime,
    @JsonPropertyDescription("Grouping columns besides the window.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> groupBy,
    List<AggregationSpec> aggregations) {

  public List<String> groupByOrEmpty() {
    return groupBy == null ? List.of() : groupBy;
  }

  public List<AggregationSpec> aggregationsOrEmpty() {
    return aggregations == null ? List.of() : aggregations;
  }
}
