package dev.pipelines.streaming.operator.driver;

import dev.pipelines.streaming.api.model.PipelineSpec;

/**
 * One driver attempt to build.
 *
 * @param epoch checkpoint epoch: a resetCheckpoint upgrade moves to a fresh directory
 * @param adoptCheckpoint pass {@code --adopt-checkpoint} to the runner (see Action.StartDriver)
 */
public record DriverRequest(String namespace, String pipeline, String ownerUid, PipelineSpec spec, int attempt,
    long generation, int epoch, boolean adoptCheckpoint) {

  public DriverRequest(String namespace, String pipeline, String ownerUid, PipelineSpec spec, int attempt, long generation,
      int epoch) {
    this(namespace, pipeline, ownerUid, spec, attempt, generation, epoch, false);
  }
}
