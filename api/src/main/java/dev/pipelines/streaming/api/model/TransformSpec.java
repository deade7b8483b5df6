package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** A named step. Exactly one of filter, select, sql, window, join, dedupe, anomaly is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransformSpec(
    String name,
    @JsonPropertyDescription("Input name(s): sources or earlier transforms. A single name or a list.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> from,
    @JsonPropertyDescription("A Spark SQL boolean condition; rows where it is not true are dropped.")
    String filter,
    @JsonPropertyDescription("Spark SQL expressions, each optionally with 'AS alias'.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> select,
    @JsonPropertyDescription("A Spark SQL query; inputs are visible as views named after them.")
    String sql,
    WindowSpec window,
    JoinSpec join,
    DedupeSpec dedupe,
    AnomalySpec anomaly,
    @JsonPropertyDescription("Data-quality rules checked on this transform's output.")
    List<ExpectationSpec> expectations,
    @JsonPropertyDescription("An event-time watermark on a column of this transform's output, e.g. one derived "
        + "with timestamp_millis(tsMillis) AS eventTime.")
    WatermarkSpec watermark) {

  public List<String> fromOrEmpty() {
    return from == null ? List.of() : from;
  }

  public List<ExpectationSpec> expectationsOrEmpty() {
    return expectations == null ? List.of() : expectations;
  }

  /** Whether Spark keeps state across batches for this step (its keys must not change). */
  @JsonIgnore
  public boolean isStateful() {
    return window != null || join != null || dedupe != null || anomaly != null;
  }

  public TransformKind kind() {
    if (filter != null) return TransformKind.FILTER;
    if (select != null) return TransformKind.SELECT;
    if (sql != null) return TransformKind.SQL;
    if (window != null) return TransformKind.WINDOW;
    if (join != null) return TransformKind.JOIN;
    if (dedupe != null) return TransformKind.DEDUPE;
    if (anomaly != null) return TransformKind.ANOMALY;
    return null;
  }

  public enum TransformKind { FILTER, SELECT, SQL, WINDOW, JOIN, DEDUPE, ANOMALY }
}
