package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A named data-quality rule: rows where {@code condition} is not true violate it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExpectationSpec(
    String name,
    @JsonPropertyDescription("SQL condition every row should meet, e.g. amount >= 0.") String condition,
    @JsonPropertyDescription("warn (default: count only), drop (count and remove the row) or fail (stop the query).")
    OnViolation onViolation) {

  public OnViolation onViolationOrDefault() {
    return onViolation == null ? OnViolation.WARN : onViolation;
  }

  public enum OnViolation {
    @JsonProperty("warn") WARN,
    @JsonProperty("drop") DROP,
    @JsonProperty("fail") FAIL
  }
}
