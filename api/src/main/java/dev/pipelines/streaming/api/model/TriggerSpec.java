package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * When micro-batches run. Unset: each batch starts as soon as the previous one ends. With
 * {@code realTime}, Spark's real-time mode (Spark 4.1+): long-running batches of that length
 * process each record as it arrives (milliseconds end to end) and checkpoint at their end;
 * stateless Kafka pipelines only.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerSpec(
    @JsonPropertyDescription("Start a batch every interval, e.g. 10s.") String processingTime,
    @JsonPropertyDescription("Process everything available now in batches, then stop.") Boolean availableNow,
    @JsonPropertyDescription("Real-time mode: records are processed as they arrive, and the query checkpoints every "
        + "this long, e.g. 5m. Stateless Kafka-to-Kafka (or console) pipelines only.") String realTime) {

  /** Spark's smallest real-time batch ({@code spark.sql.streaming.realTimeMode.minBatchDuration}'s default). */
  public static final java.time.Duration MIN_REAL_TIME = java.time.Duration.ofSeconds(5);
}
