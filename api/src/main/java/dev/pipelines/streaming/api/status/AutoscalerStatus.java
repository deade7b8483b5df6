package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * The autoscaler's last decision (what it wants, what runs, why) and the state it continues
 * from after an operator restart: when it last acted, the recent needs that delay a scale-down,
 * and the last scale-up until its effect is judged. Written before every scale request.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutoscalerStatus(
    @JsonPropertyDescription("Executors the autoscaler wants (in a dry run: recommends).") Integer desired,
    @JsonPropertyDescription("Executors registered with the driver.") Integer current,
    @JsonPropertyDescription("Executors requested but not registered yet.") Integer pending,
    @JsonPropertyDescription("The load, the need and the rule behind the last decision.") String reason,
    @JsonPropertyDescription("When executors were last changed.") String lastScaleTime,
    @JsonPropertyDescription("True when spec.autoscaling.dryRun: decisions are recorded, never applied.") Boolean dryRun,
    @JsonPropertyDescription("Recent needs still inside the scale-down stabilization window (only those that can still be its highest).")
    List<Recommendation> recommendations,
    @JsonPropertyDescription("The last scale-up, until its effect on the processing rate is judged.") ScaleUp unverifiedScaleUp,
    @JsonPropertyDescription("A scale-up that did not raise the processing rate: no further scale-up until a scale-down.")
    ScaleUp ineffectiveScaleUp) {

  /** This status with another {@code reason}. */
  public AutoscalerStatus withReason(String why) {
    return new AutoscalerStatus(desired, current, pending, why, lastScaleTime, dryRun, recommendations, unverifiedScaleUp,
        ineffectiveScaleUp);
  }

  /** This status holding at the current count, as if executors had been changed at {@code time} (not a dry run). */
  public AutoscalerStatus heldAsOf(String time) {
    return new AutoscalerStatus(current, current, pending, reason, time, null, recommendations, unverifiedScaleUp,
        ineffectiveScaleUp);
  }

  /** The executor count one decision found necessary, and when. */
  public record Recommendation(String at, Integer executors) {}

  /** A scale-up from one executor count to another, with the processing rate (rows per busy second) before it. */
  public record ScaleUp(String at, Integer from, Integer to, Double processingRateBefore) {}
}
