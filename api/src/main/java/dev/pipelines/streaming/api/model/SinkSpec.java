package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** A named output: one streaming query. Exactly one of console, files, kafka, jdbc, mongodb, http is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SinkSpec(
    String name,
    @JsonPropertyDescription("The source or transform whose rows this sink writes, or deadLetters: rows that did not "
        + "parse or broke a deadLetter rule.") String from,
    ConsoleSinkSpec console,
    FilesSinkSpec files,
    KafkaSinkSpec kafka,
    @JsonPropertyDescription("PostgreSQL table, written exactly once.") JdbcSinkSpec jdbc,
    @JsonPropertyDescription("MongoDB collection, written idempotently (append or upsert by key).") MongoDbSinkSpec mongodb,
    @JsonPropertyDescription("An HTTP endpoint (webhook, Alertmanager): rows POSTed as JSON, at least once with an "
        + "idempotency key.") HttpSinkSpec http,
    TriggerSpec trigger,
    @JsonPropertyDescription("append (default), update or complete.") OutputMode outputMode,
    @JsonPropertyDescription("Data-quality rules checked on the rows this sink writes.")
    List<ExpectationSpec> expectations) {

  public List<ExpectationSpec> expectationsOrEmpty() {
    return expectations == null ? List.of() : expectations;
  }

  public OutputMode outputModeOrDefault() {
    return outputMode == null ? OutputMode.APPEND : outputMode;
  }

  public SinkKind kind() {
    if (console != null) return SinkKind.CONSOLE;
    if (files != null) return SinkKind.FILES;
    if (kafka != null) return SinkKind.KAFKA;
    if (jdbc != null) return SinkKind.JDBC;
    if (mongodb != null) return SinkKind.MONGODB;
    if (http != null) return SinkKind.HTTP;
    return null;
  }

  public enum SinkKind { CONSOLE, FILES, KAFKA, JDBC, MONGODB, HTTP }
}
