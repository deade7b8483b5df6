package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A named output: one streaming query. Exactly one of console, files, kafka is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SinkSpec(
    String name,
    @JsonPropertyDescription("The source or transform whose rows this sink writes.") String from,
    ConsoleSinkSpec console,
    FilesSinkSpec files,
    KafkaSinkSpec kafka,
    TriggerSpec trigger,
    @JsonPropertyDescription("append (default), update or complete.") OutputMode outputMode) {

  public OutputMode outputModeOrDefault() {
    return outputMode == null ? OutputMode.APPEND : outputMode;
  }

  public SinkKind kind() {
    if (console != null) return SinkKind.CONSOLE;
    if (files != null) return SinkKind.FILES;
    if (kafka != null) return SinkKind.KAFKA;
    return null;
  }

  public enum SinkKind { CONSOLE, FILES, KAFKA }
}
