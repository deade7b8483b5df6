package dev.pipelines.streaming.operator.autoscale;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** The runner's {@code GET /progress} as the operator reads it (unknown fields ignored). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DriverProgress(String pipeline, int executors, Integer targetExecutors, List<Query> queries) {

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Query(String name, boolean active, Long batchId, String timestamp, Long numInputRows,
      Double inputRowsPerSecond, Double processedRowsPerSecond, Long busyMillis, Long offsetsBehindLatest,
      Integer kafkaPartitions) {}
}
