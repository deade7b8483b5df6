package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum OutputMode {
  @JsonProperty("append") APPEND,
  @JsonProperty("update") UPDATE,
  @JsonProperty("complete") COMPLETE;

  public String value() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
