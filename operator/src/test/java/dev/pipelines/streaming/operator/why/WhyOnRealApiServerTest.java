package dev.pipelines.streaming.operator.why;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.api.lease.LeaseHolders;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.apiserver.FakeKubelet;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
import dev.pipelines.streaming.operator.driver.SparkConfFactory;
import dev.pipelines.streaming.operator.reconcile.ClusterActor;
import dev.pipelines.streaming.operator.reconcile.Decider;
import dev.pipelines.streaming.operator.reconcile.EventRecorder;
import dev.pipelines.streaming.operator.reconcile.PipelineObserver;
import dev.pipelines.streaming.operator.reconcile.ReconcileLoop;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.operator.testing.ClusterUser;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.UUID;
import org.apache.spark.util.ManualClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spo why} against a real kube-apiserver: the operator's own reconcile loop makes the
 * objects, the test plays the kubelet and a second driver, and the diagnosis names what happened.
 */
class WhyOnRealApiServerTest {
  static KubernetesClient admin;
  String ns;
  FakeKubelet kubelet;
  ReconcileLoop loop;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: clicks, namespace: NS}
      spec:
        checkpoint: {pvc: {size: 1Gi}}
        restartPolicy: {initialBackoff: 10s}
        sources: [{name: clicks, generator: {}}]
        sinks: [{name: out, from: clicks, console: {}}]
      """;

  @BeforeAll
  static void startServer() throws IOException {
    admin = RealApiServer.adminClient();
    RealApiServer.installCrd(admin);
  }

  @BeforeEach
  void setUp() {
    kubelet = new FakeKubelet(admin);
    kubelet.ensureNode();
    ns = "why-" + UUID.randomUUID().toString().substring(0, 8);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    DriverPodFactory pods = new DriverPodFactory(admin, new SparkConfFactory("runner:test"), new ManualClock(0));
    loop = new ReconcileLoop(new PipelineObserver(admin), new Decider(), new ClusterActor(admin, pods, new ControlTokens(new byte[32])),
        new EventRecorder(admin), Clock.systemUTC(), null, TenantPolicy.defaults("runner:test", "streaming-system"));
    StreamingPipelineResource r = Serialization.unmarshal(PIPELINE.replace("NS", ns), StreamingPipelineResource.class);
    admin.resource(r).create();
    reconcile(); // the operator starts clicks-driver-1
    kubelet.setPhase(ns, "clicks-driver-1", "Running", null);
    reconcile();
  }

  @Test
  void aDriverThatLostTheLeaseIsNamedWithItsExitCodeAndTheNewHolder() throws IOException {
    // the Lease as runners leave it: the holder, and a line in its holder history per taking
    admin.resources(Lease.class).inNamespace(ns).withName("clicks-checkpoint").edit(l -> {
      l.getSpec().setHolderIdentity("clicks-driver-7");
      l.getSpec().setAcquireTime(ZonedDateTime.parse("2026-12-06T12:41:07Z"));
      l.getMetadata().setAnnotations(java.util.Map.of(LeaseHolders.ANNOTATION,
          "2026-12-06T12:40:00Z clicks-driver-1\n2026-12-06T12:41:07Z clicks-driver-7"));
      return l;
    });
    kubelet.setPhase(ns, "clicks-driver-1", "Failed", 4);

    Diagnosis why = Diagnosis.of(PipelineEvidence.read(admin, ns, "clicks", null));

    assertThat(why.headline()).startsWith("driver clicks-driver-1 exited 4 (another driver took the checkpoint Lease")
        .contains("StreamingQueryException: broker down")
        .endsWith("; clicks-driver-7 took the checkpoint Lease at 2026-12-06T12:41:07Z");
    assertThat(why.text()).startsWith("why " + ns + "/clicks: driver clicks-driver-1 exited 4")
        .contains("held by clicks-driver-7 since 2026-12-06T12:41:07Z",
            "  taken by clicks-driver-1 at 2026-12-06T12:40:00Z\n  taken by clicks-driver-7 at 2026-12-06T12:41:07Z")
        .contains("== pods\nclicks-driver-1 Failed role=driver attempt=1 generation=1", "exited=4 (Error)",
            "DriverCreated: driver clicks-driver-1", "written for generation 1, epoch 0",
            "no operator pod found");
  }

  /**
   * The pipeline author's access: reads in their namespace only (no operator namespace, no
   * cluster-wide list). The diagnosis still comes first, and the report says what it could not read.
   */
  @Test
  void aPipelineAuthorWithReadsInTheirNamespaceGetsTheDiagnosisAndIsToldWhatWasRefused() {
    admin.rbac().roles().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBuilder()
        .withNewMetadata().withName("pipeline-reader").endMetadata()
        .addNewRule().withApiGroups("").withResources("pods", "pods/log", "events", "configmaps")
            .withVerbs("get", "list", "watch").endRule()
        .addNewRule().withApiGroups("coordination.k8s.io").withResources("leases").withVerbs("get", "list").endRule()
        .addNewRule().withApiGroups("streaming.pipelines.dev").withResources("streamingpipelines").withVerbs("get", "list")
            .endRule()
        .build()).create();
    admin.rbac().roleBindings().inNamespace(ns).resource(new io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder()
        .withNewMetadata().withName("alice-reads").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName("pipeline-reader").endRoleRef()
        .addNewSubject().withKind("User").withName("alice").withApiGroup("rbac.authorization.k8s.io").endSubject()
        .build()).create();
    kubelet.setPhase(ns, "clicks-driver-1", "Failed", 4);
    var config = new io.fabric8.kubernetes.client.ConfigBuilder(admin.getConfiguration()).withImpersonateUsername("alice")
        .withImpersonateGroups("system:authenticated").build();
    try (KubernetesClient alice = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build()) {
      Diagnosis why = Diagnosis.of(PipelineEvidence.read(alice, ns, "clicks", null));

      assertThat(why.headline()).startsWith("driver clicks-driver-1 exited 4 (another driver took the checkpoint Lease");
      assertThat(why.text()).contains("== checkpoint Lease clicks-checkpoint", "written for generation 1, epoch 0",
          "== could not read\n", "no operator pod found (its namespace cannot be read with these credentials)");
      assertThat(why.text().lines()).as("refused, not missing")
          .anyMatch(l -> l.startsWith("the operator's pods (in any namespace): ") && l.contains("forbidden"));
    }
  }

  /** A scenario step failing on a broken rollout: the test's message starts with the diagnosis. */
  @Test
  void aFailingScenarioStepStartsWithTheDiagnosis() {
    kubelet.setPhase(ns, "clicks-driver-1", "Failed", 4);
    ClusterUser user = new ClusterUser(admin, ns, "clicks");

    assertThatThrownBy(() -> user.step("the rollout", () -> assertThat(user.ready().status()).isEqualTo("True")))
        .isInstanceOf(ClusterUser.DiagnosedFailure.class)
        .hasMessageStartingWith("why: driver clicks-driver-1 exited 4 (another driver took the checkpoint Lease")
        .hasMessageContaining("\nthe rollout: org.opentest4j.AssertionFailedError", "spo why and every log written to ");
  }

  @Test
  void aDriverNamedInStatusThatIsGoneIsSaidFirst(@TempDir Path out) throws IOException {
    admin.pods().inNamespace(ns).withName("clicks-driver-1").withGracePeriod(0).delete();
    awaitGone("clicks-driver-1");

    Diagnosis why = Diagnosis.of(PipelineEvidence.read(admin, ns, "clicks", null));

    assertThat(why.headline()).startsWith("driver clicks-driver-1 named in status does not exist");
    assertThat(why.findings()).anySatisfy(f -> assertThat(f).startsWith("Ready=False (WaitingForFirstBatch)"));
    why.write(out);
    assertThat(Files.readString(out.resolve("why.txt"))).isEqualTo(why.text());
    assertThat(Files.readString(out.resolve("pipeline.yaml"))).contains("name: \"clicks\"", "phase: \"Running\"");
    assertThat(Files.readString(out.resolve("leases.yaml"))).contains("clicks-checkpoint");
  }

  @Test
  void aMissingPipelineIsSaidSo() {
    Diagnosis why = Diagnosis.of(PipelineEvidence.read(admin, ns, "nope", null));
    assertThat(why.headline()).isEqualTo("StreamingPipeline " + ns + "/nope does not exist");
    assertThat(why.evidenceHasPipeline()).isFalse();
  }

  private void reconcile() {
    loop.reconcile(admin.resources(StreamingPipelineResource.class).inNamespace(ns).withName("clicks").get(),
        (stored, status) -> writeStatus(stored, status));
  }

  private static StreamingPipelineResource writeStatus(StreamingPipelineResource stored, PipelineStatus status) {
    StreamingPipelineResource copy = Serialization.clone(stored);
    copy.setStatus(status);
    return admin.resource(copy).updateStatus();
  }

  private void awaitGone(String pod) {
    for (int i = 0; i < 100 && admin.pods().inNamespace(ns).withName(pod).get() != null; i++) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    assertThat(admin.pods().inNamespace(ns).withName(pod).get()).as("pod deleted").isNull();
  }
}
