package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/**
 * A database table read as a static table, for lookups in joins: read once into the executors'
 * memory (spilling to disk) and re-read every {@code refreshInterval}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JdbcSourceSpec(
    @JsonPropertyDescription("JDBC URL, e.g. jdbc:postgresql://db:5432/shop.") String url,
    @JsonPropertyDescription("Table (or schema.table) to read.") String table,
    ValueFrom user,
    ValueFrom password,
    @JsonPropertyDescription("How often the table is read again; rows changed since are seen from the next "
        + "micro-batch after that (default 5m).") String refreshInterval,
    @JsonPropertyDescription("Extra Spark JDBC read options, e.g. fetchsize, or partitionColumn, lowerBound, "
        + "upperBound and numPartitions to read a large table in parallel.") Map<String, String> options) {

  public String refreshIntervalOrDefault() {
    return refreshInterval == null ? StaticRefresh.DEFAULT_INTERVAL : refreshInterval;
  }

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }
}
