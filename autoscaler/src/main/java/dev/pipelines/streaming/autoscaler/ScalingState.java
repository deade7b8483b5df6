package dev.pipelines.streaming.autoscaler;

import java.time.Instant;
import java.util.List;

/**
 * What the autoscaler remembers between decisions. Kept by a {@link ScalingStateStore} outside
 * the process (the operator keeps it in Kubernetes), so a restart continues the stabilization
 * windows instead of starting them over.
 *
 * @param lastScaleTime when the last scale action was taken (null: never)
 * @param recommendations recent needs, for delayed scale-down (the highest in the window wins);
 *     oldest first, each higher than every newer one
 * @param unverifiedScaleUp the last scale-up, until its effect on the processing rate is judged
 * @param ineffectiveScaleUp a scale-up that did not raise the processing rate, with {@code at}
 *     the time it was judged: no further scale-up for one scale-down stabilization window, or
 *     until a scale-down
 */
public record ScalingState(Instant lastScaleTime, List<Recommendation> recommendations, ScaleUp unverifiedScaleUp,
    ScaleUp ineffectiveScaleUp) {
  public static final ScalingState INITIAL = new ScalingState(null, List.of(), null, null);

  public ScalingState {
    recommendations = recommendations == null ? List.of() : List.copyOf(recommendations);
  }

  /** The executor count one decision found necessary. */
  public record Recommendation(Instant at, int executors) {}

  /**
   * A scale-up, for judging its effect.
   *
   * @param processingRateBefore rows per second of batch time of the whole application before
   *     it, at {@code from} registered executors
   */
  public record ScaleUp(Instant at, int from, int to, double processingRateBefore) {}
}
