package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;

public enum WindowType {
  @JsonProperty("tumbling") TUMBLING,
  @JsonProperty("sliding") SLIDING,
  @JsonProperty("session") SESSION
}
