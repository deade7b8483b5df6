package dev.pipelines.streaming.operator.driver;

import dev.pipelines.streaming.api.model.PipelineSpec;

/**
 * One driver attempt to build.
 *
 * @param epoch checkpoint epoch: a resetCheckpoint upgrade moves to a fresh directory
 */
public record DriverRequest(
    String namespace, String pipeline, String ownerUid, PipelineSpec spec, int attempt, long generation, int epoch) {}
