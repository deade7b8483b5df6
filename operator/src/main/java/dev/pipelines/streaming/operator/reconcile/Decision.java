package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.status.PipelineStatus;
import java.time.Duration;
import java.util.List;

/** The outcome of one reconcile: actions, the new status, events, and when to look again. */
public record Decision(List<Action> actions, PipelineStatus status, List<PipelineEvent> events, Duration requeueAfter) {}
