package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Where queries keep offsets and state on Kubernetes: a URI every pod can reach
 * (s3a://, hdfs://, gs://, abfss://), or a PersistentVolumeClaim mounted in the driver and
 * executors at {@link #MOUNT_PATH}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointSpec(
    @JsonPropertyDescription("Checkpoint root URI, e.g. s3a://bucket/checkpoints.") String location,
    @JsonPropertyDescription("A volume claim the operator creates (or reuses) and mounts in every pod.") PvcSpec pvc) {

  public static final String MOUNT_PATH = "/checkpoints";
}
