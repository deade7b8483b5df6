package dev.pipelines.streaming.operator.autoscale;

import java.time.Instant;
import java.util.List;

/** What the autoscaler remembers between decisions: its last action and recent needs. */
public record ScalingState(Instant lastScaleTime, List<Recommendation> recent) {
  public static final ScalingState INITIAL = new ScalingState(null, List.of());

  /** The executor count one decision found necessary. */
  public record Recommendation(Instant at, int executors) {}
}
