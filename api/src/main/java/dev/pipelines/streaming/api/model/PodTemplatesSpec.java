package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;

/** Pod templates in Spark's sense (spark.kubernetes.{driver,executor}.podTemplateFile). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PodTemplatesSpec(
    @JsonPropertyDescription("A Pod manifest the driver pod starts from (tolerations, sidecars, ...).") JsonNode driver,
    @JsonPropertyDescription("A Pod manifest executor pods start from.") JsonNode executor) {}
