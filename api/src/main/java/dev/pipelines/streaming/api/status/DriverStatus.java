package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record DriverStatus(
    String podName,
    @JsonPropertyDescription("1 for the first driver, +1 for every restart or upgrade.") Integer attempt,
    String startedAt,
    @JsonPropertyDescription("The metadata.generation of the spec this driver runs.") Long specGeneration,
    @JsonPropertyDescription("When the driver was first seen running.") String runningSince) {}
