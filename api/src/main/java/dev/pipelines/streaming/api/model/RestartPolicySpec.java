package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the operator does when the driver ends. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestartPolicySpec(
    @JsonPropertyDescription("Always: restart whenever the driver ends; OnFailure (default): unless it succeeded; Never.")
    RestartType type,
    @JsonPropertyDescription("Restarts before giving up (phase Failed); default 10.") Integer maxRestarts,
    @JsonPropertyDescription("Wait before the first restart (default 10s); doubles each time.") String initialBackoff,
    @JsonPropertyDescription("Longest wait between restarts (default 5m).") String maxBackoff,
    @JsonPropertyDescription("A driver running this long resets the restart count (default 10m).") String resetAfter,
    @JsonPropertyDescription("A driver still not running after this long (image pull, scheduling, a missing Secret) is"
        + " deleted and counts as a failure (default 10m).") String startTimeout) {

  public static final RestartPolicySpec DEFAULTS = new RestartPolicySpec(null, null, null, null, null, null);

  public RestartType typeOrDefault() {
    return type == null ? RestartType.ON_FAILURE : type;
  }

  public int maxRestartsOrDefault() {
    return maxRestarts == null ? 10 : maxRestarts;
  }

  public String initialBackoffOrDefault() {
    return initialBackoff == null ? "10s" : initialBackoff;
  }

  public String maxBackoffOrDefault() {
    return maxBackoff == null ? "5m" : maxBackoff;
  }

  public String resetAfterOrDefault() {
    return resetAfter == null ? "10m" : resetAfter;
  }

  public String startTimeoutOrDefault() {
    return startTimeout == null ? "10m" : startTimeout;
  }

  public enum RestartType {
    @JsonProperty("Always") ALWAYS,
    @JsonProperty("OnFailure") ON_FAILURE,
    @JsonProperty("Never") NEVER
  }
}
