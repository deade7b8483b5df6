package dev.pipelines.streaming.operator;

import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.children.PipelineChildren;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import dev.pipelines.streaming.operator.reconcile.Decision;
import dev.pipelines.streaming.operator.reconcile.GuardedStatusWriter;
import dev.pipelines.streaming.operator.reconcile.ReconcileLoop;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.util.List;

/**
 * The JOSDK entry point: delegates to {@link ReconcileLoop} and writes the status it returns.
 * Driver pods are watched (an informer: the loop reads them from its cache, no LIST per
 * reconcile), so a driver that starts, fails or is deleted triggers a reconcile at once; the
 * loop's requeue handles timers (backoff, health period). A deleted pipeline reaches
 * {@code reconcile} too (JOSDK's {@code triggerReconcilerOnAllEvents}, no finalizer needed):
 * what the operator keeps in memory about it is dropped; its objects go by garbage collection.
 */
@ControllerConfiguration(name = "streamingpipeline", triggerReconcilerOnAllEvents = true)
public class StreamingPipelineReconciler implements Reconciler<StreamingPipelineResource> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(StreamingPipelineReconciler.class);
  /** After a stale decision was dropped: the fresh copy is normally in the cache by then (its watch event). */
  private static final java.time.Duration STALE_RETRY = java.time.Duration.ofSeconds(1);
  private final ReconcileLoop loop;
  private final Fleet fleet;
  private final PipelineChildren children;

  public StreamingPipelineReconciler(ReconcileLoop loop, Fleet fleet) {
    this(loop, fleet, new PipelineChildren());
  }

  /** @param children the per-pipeline objects kept as built after the first start */
  public StreamingPipelineReconciler(ReconcileLoop loop, Fleet fleet, PipelineChildren children) {
    this.loop = loop;
    this.fleet = fleet;
    this.children = children;
  }

  @Override
  public UpdateControl<StreamingPipelineResource> reconcile(StreamingPipelineResource resource,
      Context<StreamingPipelineResource> context) {
    fleet.watch(context.getPrimaryCache());
    if (context.isPrimaryResourceDeleted()) {
      loop.forget(resource);
      // A pipeline deleted and created again under the same name: JOSDK may hand over the
      // deletion together with the new object and drop the new one's own event; reconcile it.
      var live = context.getPrimaryCache().get(ResourceID.fromResource(resource));
      if (live.isEmpty() || live.get().isMarkedForDeletion()) {
        return UpdateControl.noUpdate();
      }
      resource = live.get();
    }
    if (resource.isMarkedForDeletion()) {
      return UpdateControl.noUpdate(); // going (foreground deletion waits for its children): start nothing more
    }
    Decision decision;
    try {
      // Status is written by the loop (an unchanged status is not written: every write is an
      // etcd transaction and a watch event for every client), each write a PUT guarded by the
      // resourceVersion the decision was made from, never re-applied to a newer copy, and the
      // result cached. A reconcile that started from a stale copy (a pod event can outrun our own
      // status write through the informer) is dropped before it acts and runs again on the fresh one.
      var cache = context.eventSourceRetriever().getControllerEventSource();
      decision = loop.reconcile(resource, context.getSecondaryResources(Pod.class), new GuardedStatusWriter(
          context.getClient(), (from, stored) -> cache.handleRecentResourceUpdate(ResourceID.fromResource(stored), stored, from)));
    } catch (GuardedStatusWriter.StaleStatusException stale) {
      LOG.debug("{}", stale.getMessage());
      return UpdateControl.<StreamingPipelineResource>noUpdate().rescheduleAfter(STALE_RETRY);
    } catch (Error e) {
      // JOSDK retries and reports Exceptions only; an Error (a class that failed to initialise)
      // would end this pipeline's event processing for good: edits ignored until a restart.
      throw new IllegalStateException("reconcile failed with " + e, e);
    }
    reconcileChildren(resource, context);
    UpdateControl<StreamingPipelineResource> control = UpdateControl.noUpdate();
    return decision.requeueAfter() == null ? control : control.rescheduleAfter(decision.requeueAfter());
  }

  /**
   * Drift correction after the pipeline's own reconcile, so that a child the API server refuses
   * (a quota, a webhook) never holds up restarts and upgrades: logged, tried again next time.
   */
  private void reconcileChildren(StreamingPipelineResource resource, Context<StreamingPipelineResource> context) {
    try {
      children.reconcile(resource, context);
    } catch (RuntimeException e) {
      LOG.warn("{}/{}: could not put its ServiceAccounts, Role, RoleBinding or NetworkPolicies back as built: {}",
          resource.getMetadata().getNamespace(), resource.getMetadata().getName(), e.toString());
    }
  }

  /**
   * A reconcile that threw (after JOSDK's retries are scheduled): the failure reaches status as
   * {@code Ready=False, reason=ReconcileError} with the exception's class and first line, and
   * JOSDK keeps retrying with its backoff.
   */
  @Override
  public ErrorStatusUpdateControl<StreamingPipelineResource> updateErrorStatus(StreamingPipelineResource resource,
      Context<StreamingPipelineResource> context, Exception e) {
    PipelineStatus status = resource.getStatus() == null ? PipelineStatus.EMPTY : resource.getStatus();
    PipelineStatus failed = loop.reconcileFailed(resource, e);
    if (failed.equals(status)) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    resource.setStatus(failed);
    return ErrorStatusUpdateControl.patchStatus(resource);
  }

  @Override
  public List<EventSource<?, StreamingPipelineResource>> prepareEventSources(
      EventSourceContext<StreamingPipelineResource> context) {
    var drivers = InformerEventSourceConfiguration.from(Pod.class, StreamingPipelineResource.class)
        .withLabelSelector(DriverNames.LABEL_MANAGED_BY + "=" + DriverNames.MANAGED_BY + "," + DriverNames.SPARK_ROLE + "=driver")
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(StreamingPipelineResource.class))
        .build();
    List<EventSource<?, StreamingPipelineResource>> sources = new java.util.ArrayList<>(children.eventSources(context));
    sources.add(new InformerEventSource<>(drivers, context));
    return sources;
  }
}
