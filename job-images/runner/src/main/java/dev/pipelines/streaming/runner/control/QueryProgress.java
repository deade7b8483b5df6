package dev.pipelines.streaming.runner.control;

/**
 * What the operator needs from one query's last micro-batch; the JSON of {@code GET /progress}.
 *
 * @param offsetsBehindLatest Kafka sources only: Spark's {@code maxOffsetsBehindLatest}, the
 *     largest per-partition distance from the latest offset, summed over sources (null without
 *     Kafka sources)
 * @param backlog Kafka sources only: records not yet read, the sum over every partition of
 *     (latest offset − the batch's end offset) — the work waiting, which the largest
 *     single-partition lag understates by up to the partition count
 * @param busyMillis the batch's wall time, driver and executors (Spark's triggerExecution)
 * @param taskMillis the executors' time in the batch's tasks (sum of Spark's executorRunTime;
 *     see {@link BatchTasks}), or null when unknown
 * @param kafkaPartitions Kafka sources only: partitions read in the last batch, summed over
 *     sources
 * @param rowsDroppedByWatermark rows the query's stateful operators dropped as later than the
 *     watermark since the driver started (see {@link QualityTotals})
 * @param expectationViolations violations per {@code <transform>.<rule>} since the driver
 *     started; null without expectations
 * @param maxStageTasks the most tasks any stage of the latest batch ran (see
 *     {@link BatchTasks}); more executor cores than this cannot speed the query up
 */
public record QueryProgress(
    String name,
    String id,
    boolean active,
    Long batchId,
    String timestamp,
    Long numInputRows,
    Double inputRowsPerSecond,
    Double processedRowsPerSecond,
    Long busyMillis,
    Long taskMillis,
    Long offsetsBehindLatest,
    Long backlog,
    String watermark,
    Long stateRows,
    Long rowsDroppedByWatermark,
    java.util.Map<String, Long> expectationViolations,
    Integer kafkaPartitions,
    Integer maxStageTasks) {}
