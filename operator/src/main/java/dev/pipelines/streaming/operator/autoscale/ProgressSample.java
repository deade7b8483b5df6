package dev.pipelines.streaming.operator.autoscale;

import java.time.Instant;

/**
 * One micro-batch as the driver reported it.
 *
 * @param busyMillis how long the batch kept the executors busy
 * @param lag Kafka offsets behind the latest (0 without Kafka sources)
 * @param partitions Kafka partitions read, or null when unknown: executors beyond
 *     partitions / cores cannot help
 */
public record ProgressSample(Instant at, double inputRowsPerSecond, long numInputRows, long busyMillis, long lag,
    Integer partitions) {}
