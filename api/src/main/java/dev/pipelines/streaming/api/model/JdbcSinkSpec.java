package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Writes each micro-batch to a PostgreSQL table in one transaction together with a
 * (pipeline, sink, batchId) marker, so a batch replayed after a crash is skipped: exactly once.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JdbcSinkSpec(
    @JsonPropertyDescription("JDBC URL, e.g. jdbc:postgresql://db:5432/shop.") String url,
    @JsonPropertyDescription("Target table (or schema.table); created if missing.") String table,
    @JsonPropertyDescription("append (default): insert every row; upsert: insert or update by keys.") JdbcWriteMode mode,
    @JsonPropertyDescription("Key columns for upsert (the table's primary key when it is created).")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> keys,
    ValueFrom user,
    ValueFrom password) {

  public JdbcWriteMode modeOrDefault() {
    return mode == null ? JdbcWriteMode.APPEND : mode;
  }

  public List<String> keysOrEmpty() {
    return keys == null ? List.of() : keys;
  }

  public enum JdbcWriteMode {
    @JsonProperty("append") APPEND,
    @JsonProperty("upsert") UPSERT
  }
}
