package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A named data-quality rule: rows where {@code condition} is not true violate it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExpectationSpec(
    String name,
    @JsonPropertyDescription("SQL condition every row should meet, e.g. amount >= 0.") String condition,
    @JsonPropertyDescription("warn (default: count only), drop (count and remove the row), deadLetter (count, remove "
        + "and send it to the sinks reading deadLetters) or fail (stop the query).")
    OnViolation onViolation) {

  public OnViolation onViolationOrDefault() {
    return onViolation == null ? OnViolation.WARN : onViolation;
  }

  public enum OnViolation {
    @JsonProperty("warn") WARN,
    @JsonProperty("drop") DROP,
    /** Count, remove, and write the row to the pipeline's dead-letter sinks ({@code from: deadLetters}). */
    @JsonProperty("deadLetter") DEAD_LETTER,
    @JsonProperty("fail") FAIL
  }
}
