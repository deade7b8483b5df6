package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.util.function.BiConsumer;

/**
 * Writes the status a decision computed, only onto the copy of the pipeline it was computed
 * from: a PUT of the status subresource carrying that copy's resourceVersion, never retried. If
 * the pipeline changed since (another reconcile, an operator that took over, a spec edit), the API
 * server refuses with 409 and this throws {@link StaleStatusException}: the decision is dropped
 * and the reconcile is run again on the fresh copy. Refused at the intent write (a decision with
 * actions writes its status before acting), nothing it planned has been done; refused at a later
 * write (the outcome of an action, progress), the actions were done and the next reconcile
 * observes them, the outcome's message is lost. JOSDK's {@code PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource}
 * instead re-applies the write to the fresh copy on a conflict, so a stale decision's status
 * (an older attempt, an older epoch) could replace a newer one: status would go backwards.
 */
public final class GuardedStatusWriter implements ReconcileLoop.StatusWriter {
  private final KubernetesClient client;
  private final BiConsumer<StreamingPipelineResource, StreamingPipelineResource> written;

  /**
   * @param written told (the copy written from, the copy as stored) after each write, e.g. to
   *     put the stored copy in JOSDK's cache so the next reconcile does not start from the old one
   */
  public GuardedStatusWriter(KubernetesClient client,
      BiConsumer<StreamingPipelineResource, StreamingPipelineResource> written) {
    this.client = client;
    this.written = written;
  }

  @Override
  public StreamingPipelineResource write(StreamingPipelineResource pipeline, PipelineStatus status) {
    StreamingPipelineResource copy = client.getKubernetesSerialization().clone(pipeline);
    copy.setStatus(status);
    StreamingPipelineResource stored;
    try {
      stored = client.resource(copy).updateStatus();
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
        throw new StaleStatusException(pipeline, e);
      }
      throw e;
    }
    written.accept(pipeline, stored);
    return stored;
  }

  /** The pipeline changed after the decision was made from it: its status was not written. */
  public static final class StaleStatusException extends RuntimeException {
    StaleStatusException(StreamingPipelineResource pipeline, KubernetesClientException cause) {
      super(pipeline.getMetadata().getNamespace() + "/" + pipeline.getMetadata().getName() + " changed after resourceVersion "
          + pipeline.getMetadata().getResourceVersion() + " was read: this decision's status is dropped", cause);
    }
  }
}
