package dev.pipelines.streaming.operator.children;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.InformerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The pipeline's access objects ({@link PipelineAccess}: ServiceAccounts, Role, RoleBinding) and,
 * when the admin turned them on, its egress NetworkPolicies ({@link PipelineEgress}), as
 * java-operator-sdk dependent resources (the control Service is created once and left alone:
 * a Service's clusterIP cannot change, and older ones were made with one): each is watched (an informer on the operator's own objects only, by label), a
 * change or deletion triggers a reconcile, and the reconcile puts back what drifted (server-side
 * apply, only when the cached object differs). Used standalone, called by the reconciler, not as
 * a managed workflow: the write-ahead start order (spec record, then children, then the driver)
 * stays in {@code ClusterActor}, and JOSDK's all-events mode (which lets the operator forget a
 * deleted pipeline without a finalizer) does not allow managed workflows.
 */
public final class PipelineChildren {
  private final List<Child<?>> children;

  /** The access objects only (no egress NetworkPolicies). */
  public PipelineChildren() {
    this(PipelineEgress.OFF);
  }

  /** The access objects, and the egress NetworkPolicies when {@code egress} is on. */
  public PipelineChildren(PipelineEgress egress) {
    List<Child<?>> all = new ArrayList<>(List.of(
        new Child<>(ServiceAccount.class, "driver-serviceaccount", PipelineAccess::driverServiceAccount),
        new Child<>(ServiceAccount.class, "executor-serviceaccount", PipelineAccess::executorServiceAccount),
        new Child<>(Role.class, "driver-role", PipelineAccess::driverRole),
        new Child<>(RoleBinding.class, "driver-rolebinding", PipelineAccess::driverRoleBinding)));
    if (egress.enabled()) {
      all.add(new Child<>(NetworkPolicy.class, "egress-networkpolicy", egress::pipelinePolicy));
      all.add(new Child<>(NetworkPolicy.class, "driver-egress-networkpolicy", egress::driverPolicy));
    }
    children = List.copyOf(all);
  }

  /** The informers behind the children, for the reconciler's event sources. */
  public List<EventSource<?, StreamingPipelineResource>> eventSources(EventSourceContext<StreamingPipelineResource> context) {
    return EventSourceUtils.dependentEventSources(context, children.toArray(Child[]::new));
  }

  /**
   * Makes every child match its model. Only for a pipeline whose first start was recorded
   * (status.checkpoint set): before that the operator creates them in its start order.
   */
  public void reconcile(StreamingPipelineResource pipeline, Context<StreamingPipelineResource> context) {
    if (pipeline.getStatus() == null || pipeline.getStatus().checkpoint() == null) {
      return;
    }
    children.forEach(c -> c.reconcile(pipeline, context));
  }

  /** One child: its model, its own informer (two ServiceAccounts share a kind, so each is named). */
  static final class Child<R extends HasMetadata> extends CRUDKubernetesDependentResource<R, StreamingPipelineResource> {
    private final BiFunction<String, String, R> model;

    Child(Class<R> type, String name, BiFunction<String, String, R> model) {
      super(type, name);
      this.model = model;
      configureWith(new KubernetesDependentResourceConfigBuilder<R>()
          .withKubernetesDependentInformerConfig(InformerConfiguration.builder(type)
              .withLabelSelector(DriverNames.LABEL_MANAGED_BY + "=" + DriverNames.MANAGED_BY).build())
          .build());
    }

    @Override
    protected R desired(StreamingPipelineResource primary, Context<StreamingPipelineResource> context) {
      return model.apply(primary.getMetadata().getNamespace(), primary.getMetadata().getName());
    }
  }
}
