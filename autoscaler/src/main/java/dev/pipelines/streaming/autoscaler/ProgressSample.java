package dev.pipelines.streaming.autoscaler;

import java.time.Instant;

/**
 * One completed micro-batch (all of a pipeline's queries that completed one since the last
 * sample, added up), as the driver reported it.
 *
 * @param at when the batch started (Spark's progress timestamp)
 * @param inputRowsPerSecond rows arriving per wall-clock second (Spark's inputRowsPerSecond)
 * @param numInputRows rows the batch read
 * @param busyMillis the batch's wall time (Spark's triggerExecution), the driver's share included
 * @param taskMillis the executors' time in the batch's tasks (sum of Spark's executorRunTime),
 *     or null when unknown: then {@code busyMillis} times the executors stands in, which
 *     counts the driver's fixed share of every batch as executor work
 * @param backlog records not yet read: the sum over every Kafka partition of (latest offset −
 *     the batch's end offset); 0 without Kafka sources
 * @param usefulTasks the most tasks any stage of the batch ran (Kafka partitions or
 *     {@code minPartitions}, the checkpoint's shuffle partitions), or null when unknown: more
 *     task slots than this cannot make the batch faster
 * @param executors executors registered with the driver when the batch ran
 */
public record ProgressSample(Instant at, double inputRowsPerSecond, long numInputRows, long busyMillis, Long taskMillis,
    long backlog,
    Integer usefulTasks, int executors) {}
