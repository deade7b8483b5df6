package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * The part of Kubernetes object metadata a pipeline file carries. Server-populated fields
 * (uid, resourceVersion, ...) are ignored so a manifest fetched with kubectl still reads.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonIgnoreProperties(
    value = {"uid", "resourceVersion", "generation", "creationTimestamp", "managedFields",
        "finalizers", "ownerReferences", "generateName", "deletionTimestamp",
        "deletionGracePeriodSeconds", "selfLink"})
public record Metadata(
    String name, String namespace, Map<String, String> labels, Map<String, String> annotations) {}
