package dev.pipelines.streaming.operator.driver;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * A driver attempt: its pod, what must exist before it ({@code preResources}, Spark's
 * "pre-Kubernetes resources"), and what is created after it and owned by it ({@code resources}:
 * Spark's conf ConfigMap, the driver Service), as spark-submit's client does.
 */
public record DriverResources(Pod pod, List<HasMetadata> preResources, List<HasMetadata> resources) {}
