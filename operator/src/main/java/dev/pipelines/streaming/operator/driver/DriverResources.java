package dev.pipelines.streaming.operator.driver;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/** A driver pod and what it needs created first (Spark's conf ConfigMap, driver Service, ...). */
public record DriverResources(Pod pod, List<HasMetadata> prerequisites) {}
