package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

public record FieldSpec(
    String name,
    @JsonPropertyDescription("A Spark SQL type: string, int, long, double, boolean, timestamp, date, decimal(10,2), ...")
    String type) {}
