package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/**
 * Throughput as the driver last reported it (filled by the progress poller), and the rows it
 * did not pass on since it started.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgressStatus(
    Double inputRowsPerSecond, Double processedRowsPerSecond,
    @JsonPropertyDescription("Kafka records not yet read, summed over partitions and queries.") Long lag,
    @JsonPropertyDescription("Executors registered with the driver.") Integer executors,
    String lastBatchAt,
    @JsonPropertyDescription("Per sink: rows its stateful steps dropped as later than the watermark since the driver "
        + "started (for a window, late groups after Spark's partial aggregation).")
    Map<String, Long> rowsDroppedByWatermark,
    @JsonPropertyDescription("Per expectation rule (<transform>.<rule>): rows that violated it since the driver started "
        + "(sinks reading the same transform check the same rows; the highest count is shown).")
    Map<String, Long> expectationViolations) {

  /** Rates and counts without the quality totals (an older driver, or none reporting). */
  public ProgressStatus(Double inputRowsPerSecond, Double processedRowsPerSecond, Long lag, Integer executors,
      String lastBatchAt) {
    this(inputRowsPerSecond, processedRowsPerSecond, lag, executors, lastBatchAt, null, null);
  }
}
