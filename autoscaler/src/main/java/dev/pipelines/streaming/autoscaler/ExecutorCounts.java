package dev.pipelines.streaming.autoscaler;

/**
 * The driver's executors now, as Spark's scheduler backend sees them.
 *
 * @param requested the total last requested from the cluster manager (the current target)
 * @param registered executors registered and not being decommissioned: the ones running tasks
 * @param pending requested but not registered yet (pods Pending, starting, or refused by a quota)
 */
public record ExecutorCounts(int requested, int registered, int pending) {}
