package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** How spec changes roll out to a running pipeline. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpgradeSpec(
    @JsonPropertyDescription("refuse (default): keep the old job running and say why; resetCheckpoint: start over in a new checkpoint.")
    OnIncompatibleChange onIncompatibleChange,
    @JsonPropertyDescription("How long the old driver may take to finish its batch (default 60s).") String stopTimeout) {

  public static final UpgradeSpec DEFAULTS = new UpgradeSpec(null, null);

  public OnIncompatibleChange onIncompatibleChangeOrDefault() {
    return onIncompatibleChange == null ? OnIncompatibleChange.REFUSE : onIncompatibleChange;
  }

  public String stopTimeoutOrDefault() {
    return stopTimeout == null ? "60s" : stopTimeout;
  }

  public enum OnIncompatibleChange {
    @JsonProperty("refuse") REFUSE,
    @JsonProperty("resetCheckpoint") RESET_CHECKPOINT
  }
}
