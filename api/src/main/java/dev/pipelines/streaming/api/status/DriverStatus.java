package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The driver attempt status names. {@code podUid} is set once the operator has seen the pod: a
 * recorded attempt whose pod is gone then vanished (a failed attempt), where one without it may
 * never have been created (the operator stopped between recording the start and creating it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DriverStatus(
    String podName,
    @JsonPropertyDescription("1 for the first driver, +1 for every restart or upgrade.") Integer attempt,
    String startedAt,
    @JsonPropertyDescription("The metadata.generation of the spec this driver runs.") Long specGeneration,
    @JsonPropertyDescription("When the driver was first seen running.") String runningSince,
    @JsonPropertyDescription("The driver pod's UID, once the operator has seen the pod: this attempt's identity.")
    String podUid) {

  /** An attempt whose pod the operator has not seen yet. */
  public DriverStatus(String podName, Integer attempt, String startedAt, Long specGeneration, String runningSince) {
    this(podName, attempt, startedAt, specGeneration, runningSince, null);
  }
}
