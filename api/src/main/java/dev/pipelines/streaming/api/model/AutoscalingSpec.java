package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Executors follow the load in place (no restart): see docs/operator.md, "Autoscaling". */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutoscalingSpec(
    @JsonPropertyDescription("Fewest executors (default 1).") Integer minExecutors,
    @JsonPropertyDescription("Most executors (required).") Integer maxExecutors,
    @JsonPropertyDescription("Busy fraction to aim for, in (0, 1] (default 0.7).") Double targetUtilization,
    @JsonPropertyDescription("Time in which a backlog must be cleared (default 5m).") String catchUpDuration,
    @JsonPropertyDescription("Wait after a scale action before scaling up again (default 1m).") String scaleUpStabilization,
    @JsonPropertyDescription("Scale down only to the highest need seen in this window, and not more often (default 5m).")
    String scaleDownStabilization,
    @JsonPropertyDescription("How much recent progress the rates average over (default 2m).") String metricsWindow,
    @JsonPropertyDescription("The largest share of executors one scale-down may remove, in (0, 1] (default 0.5).")
    Double maxScaleDownFactor,
    @JsonPropertyDescription("Only recommend: record each decision in status and Events, never change executors (default false).")
    Boolean dryRun) {

  public int minExecutorsOrDefault() {
    return minExecutors == null ? 1 : minExecutors;
  }

  public double targetUtilizationOrDefault() {
    return targetUtilization == null ? 0.7 : targetUtilization;
  }

  public String catchUpDurationOrDefault() {
    return catchUpDuration == null ? "5m" : catchUpDuration;
  }

  public String scaleUpStabilizationOrDefault() {
    return scaleUpStabilization == null ? "1m" : scaleUpStabilization;
  }

  public String scaleDownStabilizationOrDefault() {
    return scaleDownStabilization == null ? "5m" : scaleDownStabilization;
  }

  public double maxScaleDownFactorOrDefault() {
    return maxScaleDownFactor == null ? 0.5 : maxScaleDownFactor;
  }

  public boolean dryRunOrDefault() {
    return Boolean.TRUE.equals(dryRun);
  }

  public String metricsWindowOrDefault() {
    return metricsWindow == null ? "2m" : metricsWindow;
  }
}
