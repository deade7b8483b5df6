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
    @JsonPropertyDescription("Rows dropped as later than the watermark since the driver started, all queries.")
    Long rowsDroppedByWatermark,
    @JsonPropertyDescription("Rows that violated each expectation rule (<transform>.<rule>) since the driver started, all queries.")
    Map<String, Long> expectationViolations) {

  /** Rates and counts without the quality totals (an older driver, or none reporting). */
  public ProgressStatus(Double inputRowsPerSecond, Double processedRowsPerSecond, Long lag, Integer executors,
      String lastBatchAt) {
    this(inputRowsPerSecond, processedRowsPerSecond, lag, executors, lastBatchAt, null, null);
  }
}
