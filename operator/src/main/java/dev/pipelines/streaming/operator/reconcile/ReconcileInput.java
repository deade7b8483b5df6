package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.upgrade.UpgradePlanner;
import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.validation.Problem;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * Everything a decision depends on.
 *
 * @param desired the pipeline as the user last applied it
 * @param problems what is wrong with the spec ({@code KubernetesRules})
 * @param refusals what the admin's tenant policy refuses about it ({@code TenantPolicy})
 * @param driver the latest driver pod, or null when none exists
 * @param record the spec last handed to a driver on the checkpoint; read only when a driver is
 *     about to start or be replaced (one GET), see {@link UpgradePlanner}
 */
public record ReconcileInput(
    String namespace,
    String name,
    long generation,
    StreamingPipeline desired,
    PipelineStatus status,
    List<Problem> problems,
    List<Problem> refusals,
    ObservedDriver driver,
    Supplier<CheckpointRecord> record,
    Instant now) {

  public PipelineSpec spec() {
    return desired.spec();
  }
}
