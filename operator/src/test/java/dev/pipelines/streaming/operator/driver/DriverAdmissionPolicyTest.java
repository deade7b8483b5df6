package dev.pipelines.streaming.operator.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.operator.children.PipelineAccess;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's ValidatingAdmissionPolicy on a real API server (Kubernetes 1.34), installed as
 * {@code helm install} renders it: requests made with a pipeline driver's ServiceAccount
 * (impersonated, as its token would be) under the exact Role the operator gives it. Every
 * escalation RBAC cannot stop is refused by the API server with the policy's message; what
 * Spark's driver does for its own executors is admitted (the real-node suite runs real Spark
 * drivers under the same policy).
 */
class DriverAdmissionPolicyTest {
  static final String RELEASE = "adm";
  static final String OPERATOR_NS = "adm-system";
  static final String POLICY = RELEASE + "-streaming-pipeline-operator-drivers";
  static final String IMAGE = "runner:test";
  /** The pod a bound token was issued for (the key percent-encoded, as impersonation headers need). */
  static final String POD_NAME_EXTRA = "authentication.kubernetes.io%2fpod-name";
  static String ns;
  static KubernetesClient admin;
  static KubernetesClient clicks;

  @BeforeAll
  static void install() {
    admin = RealApiServer.adminClient();
    ns = "adm-" + UUID.randomUUID().toString().substring(0, 8);
    for (String n : List.of(OPERATOR_NS, ns)) {
      admin.resource(new NamespaceBuilder().withNewMetadata().withName(n).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
    String rendered = new Helm(Path.of("..", "charts", "streaming-pipeline-operator")).template()
        .withName(RELEASE).withNamespace(OPERATOR_NS).skipCrds()
        .set("watchNamespaces[0]", ns).set("createWatchNamespaces", false)
        .set("runnerImage.repository", "runner").set("runnerImage.tag", "test")
        .set("tenantPolicy.allowedImages[0]", "registry.example.com/team-a/")
        .call();
    List<HasMetadata> objects = admin.resourceList(rendered).items().stream()
        .filter(o -> o.getKind().startsWith("ValidatingAdmissionPolicy"))
        .toList();
    assertThat(objects).extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    objects.forEach(o -> admin.resource(o).inNamespace(OPERATOR_NS).createOr(NonDeletingOperation::update));
    for (String pipeline : List.of("clicks", "other")) {
      for (HasMetadata o : List.of(PipelineAccess.driverServiceAccount(ns, pipeline), PipelineAccess.executorServiceAccount(ns, pipeline),
          PipelineAccess.driverRole(ns, pipeline), PipelineAccess.driverRoleBinding(ns, pipeline))) {
        admin.resource(o).create();
      }
    }
    clicks = serviceAccount("clicks-driver", Map.of());
    awaitPolicyEnforced();
  }

  @AfterAll
  static void uninstall() {
    if (admin == null) {
      return; // install was skipped (no API server here): nothing to remove
    }
    admin.resources(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding.class)
        .withName(POLICY).delete();
    admin.resources(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy.class)
        .withName(POLICY).delete();
    admin.namespaces().withName(ns).delete();
  }

  /** A client with {@code sa}'s identity, as a token of it (bound to a pod: {@code extra}) would give. */
  static KubernetesClient serviceAccount(String sa, Map<String, List<String>> extra) {
    Config config = new ConfigBuilder(admin.getConfiguration())
        .withImpersonateUsername("system:serviceaccount:" + ns + ":" + sa)
        .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
        .withImpersonateExtras(extra)
        .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  /** The API server applies a new policy after its informer sees it: wait until a known-bad pod is refused. */
  static void awaitPolicyEnforced() {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
    while (true) {
      Pod probe = executor("probe-" + UUID.randomUUID().toString().substring(0, 6), p -> p.editSpec().withServiceAccountName("default").endSpec());
      try {
        clicks.resource(probe).create();
        clicks.resource(probe).delete();
      } catch (KubernetesClientException e) {
        if (e.getCode() == 403 && e.getMessage().contains(POLICY)) {
          return;
        }
        throw e;
      }
      assertThat(Instant.now()).as("the policy is enforced within a minute").isBefore(deadline);
      sleep(500);
    }
  }

  /** An executor pod as Spark's driver of attempt 1 builds it from the operator's template. */
  static Pod executor(String name, UnaryOperator<PodBuilder> change) {
    Pod template = DriverPodFactory.executorTemplate(null, "clicks");
    PodBuilder b = new PodBuilder(template).editOrNewMetadata().withName(name).withNamespace(ns)
        .addToLabels(Map.of(DriverNames.LABEL_PIPELINE, "clicks", DriverNames.SPARK_ROLE, "executor",
            "spark-app-selector", "spark-clicks-a1"))
        .addNewOwnerReference().withApiVersion("v1").withKind("Pod").withName("clicks-driver-1")
          .withUid(UUID.randomUUID().toString()).withController(true).endOwnerReference()
        .endMetadata()
        .editSpec().editFirstContainer().withImage(IMAGE).endContainer().endSpec();
    return change.apply(b).build();
  }

  static ConfigMap executorConfigMap(String name, String ownerPod) {
    return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(ns)
        .addToLabels(Map.of("spark-app-selector", "spark-clicks-a1", DriverNames.SPARK_ROLE, "executor"))
        .addNewOwnerReference().withApiVersion("v1").withKind("Pod").withName(ownerPod)
          .withUid(UUID.randomUUID().toString()).endOwnerReference()
        .endMetadata().withData(Map.of("spark.properties", "spark.app.id=spark-clicks-a1")).build();
  }

  static void assertRefused(Runnable request, String message) {
    assertThatThrownBy(request::run).isInstanceOfSatisfying(KubernetesClientException.class, e -> {
      assertThat(e.getCode()).isEqualTo(403);
      assertThat(e.getMessage()).contains("ValidatingAdmissionPolicy '" + POLICY + "'").contains(message);
    });
  }

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  @Test
  void spark_s_own_requests_for_its_executors_are_admitted() {
    Pod pod = clicks.resource(executor(unique("clicks-a1-exec"), b -> b)).create();
    clicks.resource(executorConfigMap(unique("spark-exec") + "-conf-map", "clicks-driver-1")).create();
    clicks.pods().inNamespace(ns).withName(pod.getMetadata().getName()).edit(p -> new PodBuilder(p).editMetadata()
        .addToLabels("spark-exec-inactive", "true").endMetadata().build());
    admin.resource(new LeaseBuilder().withNewMetadata().withName("clicks-checkpoint").withNamespace(ns).endMetadata()
        .withNewSpec().withHolderIdentity("clicks-driver-1").endSpec().build()).create();
    clicks.leases().inNamespace(ns).withName("clicks-checkpoint")
        .edit(l -> new LeaseBuilder(l).editSpec().withLeaseTransitions(1).endSpec().build());
    // what Spark does when it stops: delete its executors and their ConfigMap by its labels
    clicks.pods().inNamespace(ns).withLabel("spark-app-selector", "spark-clicks-a1").delete();
    clicks.configMaps().inNamespace(ns).withLabel("spark-app-selector", "spark-clicks-a1").delete();
    assertThat(admin.pods().inNamespace(ns).withLabel("spark-app-selector", "spark-clicks-a1").list().getItems())
        .allSatisfy(p -> assertThat(p.getMetadata().getDeletionTimestamp()).isNotNull());
    assertThat(admin.configMaps().inNamespace(ns).withLabel("spark-app-selector", "spark-clicks-a1").list().getItems()).isEmpty();
    // its own checkpoint claim, mounted as Spark mounts it
    clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("checkpoints")
        .withNewPersistentVolumeClaim().withClaimName("clicks-checkpoints").endPersistentVolumeClaim().endVolume().endSpec()))
        .create();
    // images under an allowed prefix are admitted too
    clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer()
        .withImage("registry.example.com/team-a/runner:2").endContainer().endSpec())).create();
  }

  /**
   * Issue 16's escalation probes again, now through the path a driver's own code has: settings
   * it adds to its Spark conf at runtime, built into executor pods by Spark's own
   * KubernetesExecutorBuilder and sent with the driver's identity. The operator's conf alone
   * gives a pod the API server admits; each probe gives one it refuses.
   */
  @Test
  void executors_spark_builds_from_the_operators_conf_are_admitted_and_from_escalating_settings_refused() throws Exception {
    SparkExecutorPods spark = SparkExecutorPods.forDriverOf(admin, ns, "clicks", IMAGE);
    // as ExecutorPodsAllocator sends them: into the driver's namespace
    Pod plain = clicks.pods().inNamespace(ns).resource(spark.executor(clicks, "1", Map.of())).create();
    assertThat(plain.getMetadata().getName()).startsWith("clicks-a1-exec");
    Path template = java.nio.file.Files.createTempFile("evil-template", ".yaml");
    java.nio.file.Files.writeString(template, "spec: {hostNetwork: true, hostPID: true}\n");
    Map<String, Map<String, String>> probes = new java.util.LinkedHashMap<>();
    probes.put("ServiceAccount clicks-executor, not default",
        Map.of("spark.kubernetes.authenticate.executor.serviceAccountName", "default"));
    probes.put("host's network, PID or IPC namespace, host ports", Map.of(
        "spark.kubernetes.executor.volumes.hostPath.host.mount.path", "/host",
        "spark.kubernetes.executor.volumes.hostPath.host.options.path", "/"));
    probes.put("pods that read Secrets", Map.of("spark.kubernetes.executor.secretKeyRef.STOLEN", "other-control:token"));
    probes.put("nor volumes but emptyDir", Map.of("spark.kubernetes.executor.secrets.other-control", "/mnt/secret"));
    probes.put("may mount only its own checkpoint claim clicks-checkpoints", Map.of(
        "spark.kubernetes.executor.volumes.persistentVolumeClaim.c.mount.path", "/other",
        "spark.kubernetes.executor.volumes.persistentVolumeClaim.c.options.claimName", "other-checkpoints"));
    probes.put("evil.example.com/miner:1 is not an image", Map.of("spark.kubernetes.executor.container.image", "evil.example.com/miner:1"));
    probes.put(" host's network", Map.of("spark.kubernetes.executor.podTemplateFile", template.toString()));
    probes.put("pipeline clicks's driver may", Map.of("spark.kubernetes.executor.label." + DriverNames.LABEL_PIPELINE, "other"));
    int id = 2;
    for (var probe : probes.entrySet()) {
      Pod pod = spark.executor(clicks, String.valueOf(id++), probe.getValue());
      assertRefused(() -> clicks.pods().inNamespace(ns).resource(pod).create(), probe.getKey().strip());
    }
  }

  /**
   * The operator refuses (NotAllowed) exactly the executor templates whose executors the API
   * server would refuse: else a driver would start and never get an executor.
   */
  @Test
  void the_operator_refuses_the_executor_templates_whose_executors_admission_refuses() {
    TenantPolicy operator = new TenantPolicy(IMAGE, List.of("registry.example.com/team-a/"), OPERATOR_NS, false, false,
        TenantPolicy.Limits.NONE, null, true);
    String mount = "containers: [{name: spark-kubernetes-executor, volumeMounts: [{name: v, mountPath: /v}]}]";
    // template -> null: admitted; else the field the operator names and the admission policy's message
    Map<String, List<String>> admitted = new java.util.LinkedHashMap<>();
    String volumes = "nor volumes but emptyDir, configMap, projected, downwardAPI";
    String secrets = "may not start pods that read Secrets";
    admitted.put("{}", null);
    admitted.put("{spec: {nodeSelector: {disk: ssd}, tolerations: [{key: spot, operator: Exists}], volumes: [{name: v,"
        + " configMap: {name: truststore}}], " + mount + "}}", null);
    admitted.put("{spec: {containers: [{name: spark-kubernetes-executor, envFrom: [{configMapRef: {name: settings}}]}]}}", null);
    admitted.put("{spec: {volumes: [{name: v, persistentVolumeClaim: {claimName: clicks-checkpoints}}], " + mount + "}}", null);
    admitted.put("{spec: {volumes: [{name: v, secret: {secretName: other-control}}], " + mount + "}}",
        List.of("spec.podTemplates.executor.spec.volumes[0].secret", volumes));
    admitted.put("{spec: {volumes: [{name: v, projected: {sources: [{secret: {name: other-control}}]}}], " + mount + "}}",
        List.of("spec.podTemplates.executor.spec.volumes[0].projected.sources[0].secret", secrets));
    admitted.put("{spec: {volumes: [{name: v, csi: {driver: secrets-store.csi.k8s.io}}], " + mount + "}}",
        List.of("spec.podTemplates.executor.spec.volumes[0].csi", volumes));
    admitted.put("{spec: {volumes: [{name: v, persistentVolumeClaim: {claimName: other-checkpoints}}], " + mount + "}}",
        List.of("spec.podTemplates.executor.spec.volumes[0].persistentVolumeClaim.claimName", "may mount only its own checkpoint claim"));
    admitted.put("{spec: {containers: [{name: spark-kubernetes-executor, env: [{name: T, valueFrom: {secretKeyRef: {name:"
        + " other-control, key: token}}}]}]}}", List.of("spec.podTemplates.executor.spec.containers[0].env[0].valueFrom.secretKeyRef", secrets));
    admitted.put("{spec: {containers: [{name: spark-kubernetes-executor, envFrom: [{secretRef: {name: other-control}}]}]}}",
        List.of("spec.podTemplates.executor.spec.containers[0].envFrom[0].secretRef", secrets));
    admitted.put("{spec: {nodeName: node-1}}", List.of("spec.podTemplates.executor.spec.nodeName", volumes));
    admitted.put("{spec: {runtimeClassName: kata}}", List.of("spec.podTemplates.executor.spec.runtimeClassName", volumes));
    // a RuntimeClass that exists (one that does not is refused by another admission plugin first)
    admin.resource(new io.fabric8.kubernetes.api.model.node.v1.RuntimeClassBuilder().withNewMetadata().withName("kata")
        .endMetadata().withHandler("kata").build()).createOr(NonDeletingOperation::update);
    int id = 100;
    for (var template : admitted.entrySet()) {
      StreamingPipeline pipeline = SparkExecutorPods.pipeline("clicks", template.getKey());
      Pod executor = SparkExecutorPods.forDriverOf(admin, ns, "clicks", IMAGE, pipeline).executor(clicks, String.valueOf(id++), Map.of());
      var refusedByOperator = operator.check(ns, pipeline).stream().map(dev.pipelines.streaming.api.validation.Problem::path).toList();
      if (template.getValue() == null) {
        assertThat(clicks.pods().inNamespace(ns).resource(executor).create()).as(template.getKey()).isNotNull();
        assertThat(refusedByOperator).as(template.getKey()).isEmpty();
      } else {
        assertRefused(() -> clicks.pods().inNamespace(ns).resource(executor).create(), template.getValue().get(1));
        assertThat(refusedByOperator).as(template.getKey()).containsExactly(template.getValue().get(0));
      }
    }
  }

  @Test
  void a_pod_under_any_other_service_account_is_refused() {
    for (String sa : List.of("default", "clicks-driver", "other-executor", "adm-streaming-pipeline-operator")) {
      assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().withServiceAccountName(sa).endSpec()))
          .create(), "driver may create pods only as ServiceAccount clicks-executor, not " + sa);
    }
  }

  @Test
  void another_image_host_access_or_privilege_is_refused() {
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer()
        .withImage("evil.example.com/miner:1").endContainer().endSpec())).create(),
        "evil.example.com/miner:1 is not an image the operator's tenant policy allows (runner:test, registry.example.com/team-a/)");
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewInitContainer()
        .withName("init").withImage("registry.example.com/team-b/x:1").endInitContainer().endSpec())).create(),
        "registry.example.com/team-b/x:1 is not an image");
    String host = "a pipeline's pods may not use the host's network, PID or IPC namespace, host ports";
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("root")
        .withNewHostPath().withPath("/").endHostPath().endVolume().endSpec())).create(), host);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().withHostNetwork(true).endSpec()))
        .create(), host);
    String restricted = "a pipeline's pods must meet the restricted Pod Security Standard";
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer()
        .editSecurityContext().withPrivileged(true).withAllowPrivilegeEscalation(true).endSecurityContext().endContainer().endSpec()))
        .create(), restricted);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer()
        .editSecurityContext().withNewCapabilities().addToAdd("SYS_ADMIN").endCapabilities().endSecurityContext()
        .endContainer().endSpec())).create(), restricted);
    Pod own = clicks.resource(executor(unique("clicks-a1-exec"), b -> b)).create();
    assertRefused(() -> clicks.pods().inNamespace(ns).withName(own.getMetadata().getName()).edit(p -> new PodBuilder(p).editSpec()
        .editFirstContainer().withImage("evil.example.com/miner:1").endContainer().endSpec().build()),
        "evil.example.com/miner:1 is not an image");
  }

  @Test
  void secrets_other_claims_and_scheduling_or_lifecycle_tricks_are_refused() {
    String secrets = "a pipeline's driver may not start pods that read Secrets";
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer().addNewEnv()
        .withName("T").withNewValueFrom().withNewSecretKeyRef("token", "other-control", false).endValueFrom().endEnv()
        .endContainer().endSpec())).create(), secrets);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer().addNewEnvFrom()
        .withNewSecretRef("other-control", false).endEnvFrom().endContainer().endSpec())).create(), secrets);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("s")
        .withNewProjected().addNewSource().withNewSecret().withName("other-control").endSecret().endSource().endProjected()
        .endVolume().endSpec())).create(), secrets);
    String volumes = "nor volumes but emptyDir, configMap, projected, downwardAPI and the pipeline's checkpoint claim";
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("s")
        .withNewSecret().withSecretName("other-control").endSecret().endVolume().endSpec())).create(), volumes);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("e")
        .withNewEphemeral().withNewVolumeClaimTemplate().withNewSpec().withAccessModes("ReadWriteOnce")
        .withNewDataSource().withKind("PersistentVolumeClaim").withName("other-checkpoints").endDataSource()
        .withNewResources().addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources()
        .endSpec().endVolumeClaimTemplate().endEphemeral().endVolume().endSpec())).create(), volumes);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().withNodeName("node-1").endSpec()))
        .create(), volumes);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().addNewVolume().withName("c")
        .withNewPersistentVolumeClaim().withClaimName("other-checkpoints").endPersistentVolumeClaim().endVolume().endSpec()))
        .create(), "pipeline clicks's pods may mount only its own checkpoint claim clicks-checkpoints");
    String executorsOnly = "a pipeline's driver may create only executor pods (label spark-role=executor), with no finalizers"
        + " and no ServiceAccount token mounted";
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editMetadata()
        .addToLabels(DriverNames.SPARK_ROLE, "driver").endMetadata())).create(), executorsOnly);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editMetadata()
        .addToFinalizers("example.com/keep").endMetadata())).create(), executorsOnly);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec()
        .withAutomountServiceAccountToken(true).endSpec())).create(), executorsOnly);
    assertRefused(() -> clicks.resource(executor(unique("clicks-a1-exec"), b -> b.editSpec().editFirstContainer()
        .editSecurityContext().withRunAsNonRoot(false).endSecurityContext().endContainer().endSpec())).create(),
        "restricted Pod Security Standard");
    Pod own = clicks.resource(executor(unique("clicks-a1-exec"), b -> b)).create();
    String kept = "a pipeline's driver may not change a pod's owners, finalizers or spark-role label";
    assertRefused(() -> clicks.pods().inNamespace(ns).withName(own.getMetadata().getName())
        .edit(p -> new PodBuilder(p).editMetadata().withOwnerReferences().endMetadata().build()), kept);
    assertRefused(() -> clicks.pods().inNamespace(ns).withName(own.getMetadata().getName())
        .edit(p -> new PodBuilder(p).editMetadata().addToFinalizers("example.com/keep").endMetadata().build()), kept);
  }

  @Test
  void another_pipelines_pods_and_records_are_out_of_reach() {
    Pod others = admin.resource(new PodBuilder(executor(unique("other-a1-exec"), b -> b)).editMetadata()
        .addToLabels(DriverNames.LABEL_PIPELINE, "other").addToLabels("spark-app-selector", "spark-other-a1").endMetadata()
        .build()).create();
    String labelled = "pipeline clicks's driver may";
    assertRefused(() -> clicks.resource(others).delete(), labelled);
    assertRefused(() -> clicks.pods().inNamespace(ns).withLabel(DriverNames.LABEL_PIPELINE, "other").delete(), labelled);
    assertThat(admin.resource(others).get().getMetadata().getDeletionTimestamp()).as("a DELETE by label checks each pod").isNull();
    assertRefused(() -> clicks.pods().inNamespace(ns).withName(others.getMetadata().getName())
        .edit(p -> new PodBuilder(p).editMetadata().addToLabels("x", "y").endMetadata().build()), labelled);
    assertRefused(() -> clicks.resource(new PodBuilder(executor(unique("clicks-a1-exec"), b -> b)).editMetadata()
        .addToLabels(DriverNames.LABEL_PIPELINE, "other").endMetadata().build()).create(), labelled);
    assertRefused(() -> clicks.resource(new PodBuilder(executor(unique("clicks-a1-exec"), b -> b)).editMetadata()
        .withOwnerReferences().endMetadata().build()).create(), "create pods only owned by its own driver pod (clicks-driver-<attempt>)");
    assertRefused(() -> clicks.resource(new PodBuilder(executor(unique("clicks-a1-exec"), b -> b)).editMetadata()
        .editFirstOwnerReference().withName("clicks-driver-x").endOwnerReference().endMetadata().build()).create(),
        "owned by its own driver pod");

    // the operator's record of the other pipeline's spec: neither replaced nor deleted
    ConfigMap record = admin.resource(new ConfigMapBuilder().withNewMetadata().withName("other-spec").withNamespace(ns).endMetadata()
        .withData(Map.of("pipeline.yaml", "{}")).build()).create();
    String configMaps = "driver may create and delete only Spark's executor ConfigMaps (spark-exec-*) owned by its own driver pod";
    assertRefused(() -> clicks.resource(record).delete(), configMaps);
    assertRefused(() -> clicks.configMaps().inNamespace(ns).delete(), configMaps);
    assertRefused(() -> clicks.resource(new ConfigMapBuilder().withNewMetadata().withName("clicks-spec").withNamespace(ns)
        .endMetadata().build()).create(), configMaps);
    assertRefused(() -> clicks.resource(executorConfigMap(unique("spark-exec") + "-conf-map", "other-driver-1")).create(), configMaps);
    ConfigMap othersExec = admin.resource(new ConfigMapBuilder(executorConfigMap(unique("spark-exec") + "-conf-map", "other-driver-1"))
        .editMetadata().addToLabels("spark-app-selector", "spark-other-a1").endMetadata().build()).create();
    assertRefused(() -> clicks.resource(othersExec).delete(), configMaps);
    assertRefused(() -> clicks.configMaps().inNamespace(ns).withLabel("spark-app-selector", "spark-other-a1").delete(), configMaps);
    assertThat(admin.configMaps().inNamespace(ns).withName("other-spec").get()).isNotNull();
  }

  @Test
  void only_pipeline_drivers_are_held_a_foreign_driver_account_bound_to_its_own_pod_is_not() {
    // a CSI driver's ServiceAccount that happens to end in -driver, allowed to create pods
    admin.resource(new RoleBuilder().withNewMetadata().withName("csi").withNamespace(ns).endMetadata()
        .addNewRule().withApiGroups("").withResources("pods").withVerbs("create").endRule().build()).create();
    admin.resource(new RoleBindingBuilder().withNewMetadata().withName("csi").withNamespace(ns).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("csi").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("csi-driver").withNamespace(ns).endSubject().build()).create();
    Pod plain = executor(unique("csi-node"), b -> b.editSpec().withServiceAccountName("default").endSpec());
    KubernetesClient boundToItsPod = serviceAccount("csi-driver",
        Map.of(POD_NAME_EXTRA, List.of("csi-node-7f9c")));
    assertThat(boundToItsPod.resource(plain).create()).isNotNull();
    // a DaemonSet named after its account: its pods are <account>-<hash>, a driver's <account>-<attempt>
    KubernetesClient daemonSetPod = serviceAccount("csi-driver", Map.of(POD_NAME_EXTRA, List.of("csi-driver-x7k2p")));
    assertThat(daemonSetPod.resource(executor(unique("csi-node"), b -> b.editSpec().withServiceAccountName("default")
        .endSpec())).create()).isNotNull();
    // the same account with a token bound to no pod: held to the rules (fail closed)
    KubernetesClient unbound = serviceAccount("csi-driver", Map.of());
    assertRefused(() -> unbound.resource(executor(unique("csi-node"), b -> b.editSpec().withServiceAccountName("default").endSpec()))
        .create(), "pipeline csi's driver may create only pods labelled");
    // a token bound to a pipeline's driver pod is a pipeline's driver
    KubernetesClient driverPod = serviceAccount("clicks-driver",
        Map.of(POD_NAME_EXTRA, List.of("clicks-driver-3")));
    assertRefused(() -> driverPod.resource(executor(unique("clicks-a3-exec"), b -> b.editSpec().withServiceAccountName("default")
        .endSpec())).create(), "not default");
  }

  @Test
  void everything_else_a_driver_might_be_granted_is_refused() {
    // RBAC grants none of these; the policy refuses them even where an admin widened the Role
    admin.resource(new RoleBuilder().withNewMetadata().withName("widened").withNamespace(ns).endMetadata()
        .addNewRule().withApiGroups("").withResources("services", "secrets").withVerbs("create").endRule().build()).create();
    admin.resource(new RoleBindingBuilder().withNewMetadata().withName("widened").withNamespace(ns).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("widened").endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName("clicks-driver").withNamespace(ns).endSubject().build()).create();
    assertRefused(() -> clicks.resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("x")
        .withNamespace(ns).endMetadata().build()).create(),
        "a pipeline's driver may write only its executors' pods and ConfigMaps and its checkpoint Lease, not /secrets x");
    assertRefused(() -> clicks.resource(new io.fabric8.kubernetes.api.model.ServiceBuilder().withNewMetadata().withName("y")
        .withNamespace(ns).endMetadata().withNewSpec().addNewPort().withPort(80).endPort().endSpec().build()).create(),
        "not /services y");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
