package dev.pipelines.streaming.runner.control;

/**
 * What the operator needs from one query's last micro-batch; the JSON of {@code GET /progress}.
 *
 * @param offsetsBehindLatest Kafka sources only: the largest per-partition distance from the
 *     latest offset, summed over sources (null without Kafka sources)
 * @param busyMillis time the batch kept executors busy (Spark's triggerExecution)
 * @param kafkaPartitions Kafka sources only: partitions read in the last batch, summed over
 *     sources; more executor cores than this cannot speed the query up
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
    Long offsetsBehindLatest,
    String watermark,
    Long stateRows,
    Integer kafkaPartitions) {}
