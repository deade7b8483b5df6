package dev.pipelines.streaming.operator.autoscale;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * The runner's {@code GET /progress} as the operator reads it (unknown fields ignored; the
 * contract is docs/control-api/progress.json).
 *
 * @param executors registered executors (not counting those being decommissioned)
 * @param targetExecutors the total last requested from the cluster manager
 * @param pendingExecutors requested but not registered yet (null from an older runner)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record DriverProgress(String pipeline, int executors, Integer targetExecutors, Integer pendingExecutors,
    Integer decommissioningExecutors, List<Query> queries) {

  /** One query's last batch; {@code taskMillis}, {@code backlog}, {@code maxStageTasks} as in the runner's QueryProgress. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Query(String name, boolean active, Long batchId, String timestamp, Long numInputRows,
      Double inputRowsPerSecond, Double processedRowsPerSecond, Long busyMillis, Long taskMillis, Long offsetsBehindLatest,
      Long backlog, Integer kafkaPartitions, Integer maxStageTasks, Long rowsDroppedByWatermark,
      java.util.Map<String, Long> expectationViolations) {}
}
