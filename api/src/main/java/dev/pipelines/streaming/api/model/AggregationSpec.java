package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Locale;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record AggregationSpec(
    @JsonPropertyDescription("count, sum, avg, min, max or approx_count_distinct.") AggregateFunction fn,
    @JsonPropertyDescription("Input column; optional for count (counts rows).") String column,
    @JsonProperty("as") @JsonPropertyDescription("Output column name; default fn_column, or count.") String alias) {

  /** The output column name: the alias, or {@code count} / {@code <fn>_<column>}. */
  public String outputName() {
    if (alias != null) {
      return alias;
    }
    String fnName = fn.name().toLowerCase(Locale.ROOT);
    return column == null ? fnName : fnName + "_" + column;
  }

  public enum AggregateFunction {
    @JsonProperty("count") COUNT,
    @JsonProperty("sum") SUM,
    @JsonProperty("avg") AVG,
    @JsonProperty("min") MIN,
    @JsonProperty("max") MAX,
    @JsonProperty("approx_count_distinct") APPROX_COUNT_DISTINCT
  }
}
