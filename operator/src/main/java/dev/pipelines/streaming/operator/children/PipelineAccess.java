package dev.pipelines.streaming.operator.children;

import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.util.List;
import java.util.Map;

/**
 * The desired per-pipeline objects that outlive attempts (one model class, as Strimzi's
 * component models build theirs): the driver's and the executors' ServiceAccounts, the driver's
 * Role and RoleBinding, and the stable control Service. The operator creates them before the
 * first driver starts ({@code ClusterActor}) and keeps them as built here afterwards
 * ({@link PipelineChildren}: a hand-edited Role is put back). No owner references: callers
 * add them.
 */
public final class PipelineAccess {
  private PipelineAccess() {}

  /** Labels of everything the operator creates for {@code pipeline}; the children's informers select on them. */
  public static Map<String, String> labels(String pipeline) {
    return Map.of(DriverNames.LABEL_PIPELINE, pipeline, DriverNames.LABEL_MANAGED_BY, DriverNames.MANAGED_BY);
  }

  /** The driver's ServiceAccount: its token is what Spark's driver uses to run executors. */
  public static ServiceAccount driverServiceAccount(String ns, String pipeline) {
    return new ServiceAccountBuilder().withNewMetadata().withName(DriverNames.serviceAccount(pipeline)).withNamespace(ns)
        .withLabels(labels(pipeline)).endMetadata().build();
  }

  /** The executors' ServiceAccount: no Role bound, no token mounted. */
  public static ServiceAccount executorServiceAccount(String ns, String pipeline) {
    return new ServiceAccountBuilder().withNewMetadata().withName(DriverNames.executorServiceAccount(pipeline))
        .withNamespace(ns).withLabels(labels(pipeline)).endMetadata().withAutomountServiceAccountToken(false).build();
  }

  /**
   * The driver's Role: only what Spark's Kubernetes backend needs to run its own executors
   * (pods: create, watch, delete, and delete by label when it stops; the executors'
   * ConfigMap), reading PVCs, and reading and renewing its own pipeline's checkpoint Lease. No
   * Services (the operator makes the driver's), no PVC changes (other pipelines' checkpoints
   * live in the same namespace), no Secrets, no RBAC objects, no Lease of its own making.
   */
  public static Role driverRole(String ns, String pipeline) {
    return new RoleBuilder().withNewMetadata().withName(DriverNames.serviceAccount(pipeline)).withNamespace(ns)
        .withLabels(labels(pipeline)).endMetadata().withRules(driverRules(pipeline)).build();
  }

  /** What Spark's driver does with the API (ExecutorPodsAllocator, ...SnapshotsSource, KubernetesClusterSchedulerBackend). */
  public static List<PolicyRule> driverRules(String pipeline) {
    return List.of(
        new PolicyRuleBuilder().withApiGroups("").withResources("pods")
            .withVerbs("get", "list", "watch", "create", "patch", "delete", "deletecollection").build(),
        new PolicyRuleBuilder().withApiGroups("").withResources("configmaps")
            .withVerbs("get", "list", "watch", "create", "delete", "deletecollection").build(),
        new PolicyRuleBuilder().withApiGroups("").withResources("persistentvolumeclaims")
            .withVerbs("get", "list", "watch").build(),
        // fabric8's LeaseLock renews with a JSON merge PATCH guarded by resourceVersion
        new PolicyRuleBuilder().withApiGroups("coordination.k8s.io").withResources("leases")
            .withResourceNames(DriverNames.checkpointLease(pipeline)).withVerbs("get", "patch").build());
  }

  public static RoleBinding driverRoleBinding(String ns, String pipeline) {
    String sa = DriverNames.serviceAccount(pipeline);
    return new RoleBindingBuilder().withNewMetadata().withName(sa).withNamespace(ns).withLabels(labels(pipeline))
        .endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(sa).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(sa).withNamespace(ns).endSubject()
        .build();
  }

  /**
   * A stable name for the current driver's control endpoint, whatever the attempt. Headless:
   * its DNS name resolves to the driver pod, and a thousand pipelines do not use up a thousand
   * ClusterIPs (the operator bench ran a small service range out of addresses).
   */
  public static Service controlService(String ns, String pipeline) {
    return new ServiceBuilder().withNewMetadata().withName(DriverNames.service(pipeline)).withNamespace(ns)
        .withLabels(labels(pipeline)).endMetadata()
        .withNewSpec().withClusterIP("None")
        .withSelector(Map.of(DriverNames.LABEL_PIPELINE, pipeline, DriverNames.SPARK_ROLE, "driver"))
        .addNewPort().withName("control").withPort(DriverNames.CONTROL_PORT).endPort().endSpec().build();
  }
}
