package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public record WatermarkSpec(
    @JsonPropertyDescription("Event-time column (timestamp type).") String column,
    @JsonPropertyDescription("How late events may arrive, e.g. 30s, 5m.") String delay) {}
