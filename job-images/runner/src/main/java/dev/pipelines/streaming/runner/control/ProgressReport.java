package dev.pipelines.streaming.runner.control;

import java.util.List;

/**
 * {@code GET /progress}: every query plus the driver's executors.
 *
 * @param executors executors registered and running tasks (not those being decommissioned)
 * @param targetExecutors the total last requested from the cluster manager
 * @param pendingExecutors requested but not registered yet (pods pending or starting)
 * @param decommissioningExecutors leaving after a scale-down: finishing tasks, migrating blocks
 */
public record ProgressReport(String pipeline, int executors, Integer targetExecutors, int pendingExecutors,
    int decommissioningExecutors, List<QueryProgress> queries) {}
