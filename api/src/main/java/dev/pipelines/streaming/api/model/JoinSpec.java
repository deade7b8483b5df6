package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Joins the two inputs of {@code from} (left, right) on equal key columns. Between two
 * streams, {@code within} bounds how far apart in event time matching rows may be, so Spark
 * can drop old state; outer joins between streams require it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JoinSpec(
    @JsonPropertyDescription("inner (default), left or right (outer joins).") JoinType type,
    // Not "on": YAML 1.1 (kubectl, Helm) reads an unquoted on as the boolean true.
    @JsonPropertyDescription("Key columns present on both sides with the same name.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> keys,
    @JsonPropertyDescription("Event-time column of the left input (stream-stream joins).") String leftTime,
    @JsonPropertyDescription("Event-time column of the right input (stream-stream joins).") String rightTime,
    @JsonPropertyDescription("Matching rows are at most this far apart in event time, e.g. 10m.") String within) {

  public JoinType typeOrDefault() {
    return type == null ? JoinType.INNER : type;
  }

  public List<String> keysOrEmpty() {
    return keys == null ? List.of() : keys;
  }

  public enum JoinType {
    @JsonProperty("inner") INNER("inner"),
    @JsonProperty("left") LEFT("left_outer"),
    @JsonProperty("right") RIGHT("right_outer");

    private final String sparkName;

    JoinType(String sparkName) {
      this.sparkName = sparkName;
    }

    public String sparkName() {
      return sparkName;
    }
  }
}
