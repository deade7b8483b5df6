package dev.pipelines.streaming.runner.control;

import java.util.List;

/** {@code GET /progress}: every query plus the executors the driver has and wants. */
public record ProgressReport(String pipeline, int executors, Integer targetExecutors, List<QueryProgress> queries) {}
