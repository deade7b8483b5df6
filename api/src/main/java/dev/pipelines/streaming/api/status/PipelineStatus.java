package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the operator reports about a pipeline. Written only by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PipelineStatus(
    @JsonPropertyDescription("Pending, Starting, Running, Upgrading, Restarting, Suspended, Completed or Failed.")
    String phase,
    @JsonPropertyDescription("The metadata.generation this status describes.") Long observedGeneration,
    @JsonPropertyDescription("A sentence for humans about the current phase.") String message,
    List<Condition> conditions,
    DriverStatus driver,
    RestartStatus restarts,
    CheckpointStatus checkpoint,
    ProgressStatus progress,
    AutoscalerStatus autoscaler) {

  public static final PipelineStatus EMPTY = new PipelineStatus(null, null, null, List.of(), null, null, null, null, null);

  public PipelineStatus withProgress(ProgressStatus p, AutoscalerStatus a, List<Condition> c) {
    return new PipelineStatus(phase, observedGeneration, message, c, driver, restarts, checkpoint, p, a);
  }

  public List<Condition> conditionsOrEmpty() {
    return conditions == null ? List.of() : conditions;
  }

  public RestartStatus restartsOrEmpty() {
    return restarts == null ? RestartStatus.NONE : restarts;
  }
}
