package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;

/** A Kubernetes-style condition: Ready, Progressing, Degraded. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Condition(
    String type, String status, String reason, String message, String lastTransitionTime, Long observedGeneration) {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";
}
