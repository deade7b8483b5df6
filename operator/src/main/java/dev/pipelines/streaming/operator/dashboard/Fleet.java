package dev.pipelines.streaming.operator.dashboard;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.javaoperatorsdk.operator.api.reconciler.IndexedResourceCache;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every pipeline the operator sees, read from its informer cache (no API call): what the
 * metrics and the dashboard show. Empty until the controller's first reconcile hands over
 * its cache.
 */
public final class Fleet {
  private final AtomicReference<IndexedResourceCache<StreamingPipelineResource>> cache = new AtomicReference<>();
  private volatile List<StreamingPipelineResource> fixed;

  /** The controller's cache; idempotent, called on each reconcile. */
  public void watch(IndexedResourceCache<StreamingPipelineResource> primaryCache) {
    cache.compareAndSet(null, primaryCache);
  }

  /** A fleet that is always these pipelines (tests, demos). */
  public static Fleet of(List<StreamingPipelineResource> pipelines) {
    Fleet f = new Fleet();
    f.fixed = List.copyOf(pipelines);
    return f;
  }

  /** By namespace, then name. */
  public List<StreamingPipelineResource> pipelines() {
    IndexedResourceCache<StreamingPipelineResource> c = cache.get();
    List<StreamingPipelineResource> all = fixed != null ? fixed : c == null ? List.of() : c.list().toList();
    return all.stream().sorted(Comparator.comparing((StreamingPipelineResource p) -> p.getMetadata().getNamespace())
        .thenComparing(p -> p.getMetadata().getName())).toList();
  }
}
