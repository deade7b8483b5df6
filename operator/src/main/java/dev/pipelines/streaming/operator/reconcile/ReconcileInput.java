package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.compat.CompatibilityReport;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.validation.Problem;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything a decision depends on.
 *
 * @param driver the latest driver pod, or null when none exists
 * @param compatibility the running spec against the desired one; null when no spec is running
 */
public record ReconcileInput(
    String namespace,
    String name,
    long generation,
    PipelineSpec spec,
    PipelineStatus status,
    List<Problem> problems,
    ObservedDriver driver,
    Supplier<CompatibilityReport> compatibility,
    Instant now) {}
