package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** When micro-batches run. Unset: each batch starts as soon as the previous one ends. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerSpec(
    @JsonPropertyDescription("Start a batch every interval, e.g. 10s.") String processingTime,
    @JsonPropertyDescription("Process everything available now in batches, then stop.") Boolean availableNow) {}
