package dev.pipelines.streaming.operator;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import dev.pipelines.streaming.operator.reconcile.Decision;
import dev.pipelines.streaming.operator.reconcile.ReconcileLoop;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import java.util.List;
import java.util.Objects;

/**
 * The JOSDK entry point: delegates to {@link ReconcileLoop} and writes the status it returns.
 * Driver pods are watched, so a driver that starts, fails or is deleted triggers a reconcile
 * at once; the loop's requeue handles timers (backoff, health period).
 */
@ControllerConfiguration(name = "streamingpipeline")
public class StreamingPipelineReconciler implements Reconciler<StreamingPipelineResource> {
  private final ReconcileLoop loop;
  private final Fleet fleet;

  public StreamingPipelineReconciler(ReconcileLoop loop, Fleet fleet) {
    this.loop = loop;
    this.fleet = fleet;
  }

  @Override
  public UpdateControl<StreamingPipelineResource> reconcile(StreamingPipelineResource resource,
      Context<StreamingPipelineResource> context) {
    fleet.watch(context.getPrimaryCache());
    Decision decision = loop.reconcile(resource);
    // An unchanged status is not written: every write is an etcd transaction and a watch
    // event for every client, and most periodic reconciles change nothing.
    if (!Objects.equals(decision.status(), resource.getStatus())) {
      // A PUT guarded by resourceVersion, and the result cached: a reconcile that started from
      // a stale copy (a pod event can outrun our own status write through the informer) fails
      // with a conflict and is retried, instead of overwriting status with what it missed; and
      // the next reconcile reads what we wrote.
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(resource, context, fresh -> {
        fresh.setStatus(decision.status());
        return fresh;
      });
    }
    UpdateControl<StreamingPipelineResource> control = UpdateControl.noUpdate();
    return decision.requeueAfter() == null ? control : control.rescheduleAfter(decision.requeueAfter());
  }

  @Override
  public List<EventSource<?, StreamingPipelineResource>> prepareEventSources(
      EventSourceContext<StreamingPipelineResource> context) {
    var drivers = InformerEventSourceConfiguration.from(Pod.class, StreamingPipelineResource.class)
        .withLabelSelector(DriverNames.LABEL_MANAGED_BY + "=" + DriverNames.MANAGED_BY + "," + DriverNames.SPARK_ROLE + "=driver")
        .withSecondaryToPrimaryMapper(Mappers.fromOwnerReferences(StreamingPipelineResource.class))
        .build();
    return List.of(new InformerEventSource<>(drivers, context));
  }
}
