package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.testing.RealApiServer;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.reconcile.Decision;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reconcile scenarios on a real kube-apiserver + etcd (see e2e/apiserver). */
class ReconcileOnRealApiServerTest extends ReconcileAgainstApiServerTest {
  static KubernetesClient admin;

  @BeforeAll
  static void startServer() throws IOException {
    admin = RealApiServer.adminClient();
    RealApiServer.installCrd(admin);
  }

  @Override
  KubernetesClient client() {
    return admin;
  }

  /**
   * A namespace enforcing the {@code restricted} Pod Security Standard admits the driver, and an
   * executor pod built from the executor template Spark receives (server-side dry run: no kubelet).
   */
  @Test
  void aRestrictedNamespaceAdmitsTheDriverAndItsExecutors() {
    client.namespaces().withName(ns).edit(n -> new NamespaceBuilder(n).editMetadata()
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build());
    create(PIPELINE.replace("checkpoint: {pvc: {size: 2Gi}}", "checkpoint: {pvc: {size: 2Gi}}\n  podTemplates:\n"
        + "    executor: {spec: {tolerations: [{key: spot, operator: Exists}]}}"));
    Decision d = reconcile();
    assertThat(d.status().conditions()).noneSatisfy(c -> assertThat(c.reason()).isEqualTo("StartFailed"));
    Pod driver = client.pods().inNamespace(ns).withName("clicks-driver-1").get();
    assertThat(driver).as("driver admitted").isNotNull();

    String template = client.configMaps().inNamespace(ns).withName("clicks-a1-driver-podspec-conf-map").get()
        .getData().get("podspec-configmap-key");
    Pod executor = Serialization.unmarshal(template, Pod.class);
    assertThat(executor.getSpec().getTolerations()).as("the author's template is kept").hasSize(1);
    executor.setMetadata(new ObjectMetaBuilder().withName("clicks-a1-exec-1").withNamespace(ns).build());
    executor.getSpec().getContainers().get(0).setImage("runner:test");
    Pod admitted = client.resource(executor).dryRun().create();
    assertThat(admitted.getSpec().getServiceAccountName()).isEqualTo("clicks-executor");
    assertThat(client.serviceAccounts().inNamespace(ns).withName("clicks-executor").get().getAutomountServiceAccountToken()).isFalse();
  }

  /** The API server refuses the driver (a LimitRange it exceeds): the reason reaches status and an Event, and a retry is a new attempt. */
  @Test
  void aRefusedCreateReachesStatusAndEvents() {
    client.resource(new LimitRangeBuilder().withNewMetadata().withName("small").withNamespace(ns).endMetadata()
        .withNewSpec().addNewLimit().withType("Container").addToMax("memory", new Quantity("100Mi")).endLimit().endSpec()
        .build()).create();
    create(PIPELINE);
    Decision d = reconcile();
    assertThat(drivers()).isEmpty();
    assertThat(current().getStatus().phase()).isEqualTo("Restarting");
    assertThat(current().getStatus().conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo("Ready");
      assertThat(c.reason()).isEqualTo("StartFailed");
      assertThat(c.message()).startsWith("could not create driver clicks-driver-1: ").contains("forbidden");
    });
    assertThat(events()).anySatisfy(e -> assertThat(e).startsWith("Warning StartFailed: could not create driver clicks-driver-1"));
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(10));

    client.limitRanges().inNamespace(ns).withName("small").delete();
    clock.advance(Duration.ofSeconds(11));
    reconcile();
    assertThat(drivers()).extracting(p -> p.getMetadata().getName()).containsExactly("clicks-driver-2");
  }

  /** Names up to 63 characters work: Spark's app id, the driver Service and executor prefix are shortened. */
  @Test
  void aPipelineWithA63CharacterNameGetsADriver() {
    String name = "a".repeat(55) + "-clicks"; // 62 + "x" below = 63
    String yaml = PIPELINE.replace("name: clicks, namespace: analytics", "name: " + name + "x, namespace: " + ns);
    StreamingPipelineResource r = Serialization.unmarshal(yaml, StreamingPipelineResource.class);
    r.getMetadata().setUid(java.util.UUID.randomUUID().toString());
    r.getMetadata().setGeneration(1L);
    StreamingPipelineResource created = client.resource(r).create();
    loop.reconcile(created, this::writeStatus);
    Pod driver = client.pods().inNamespace(ns).withName(name + "x-driver-1").get();
    assertThat(driver).isNotNull();
    assertThat(driver.getMetadata().getLabels().get("spark-app-selector")).hasSizeLessThanOrEqualTo(63);
    assertThat(client.services().inNamespace(ns).list().getItems()).extracting(s -> s.getMetadata().getName())
        .allSatisfy(n -> assertThat(n).hasSizeLessThanOrEqualTo(63)).hasSize(2);
  }
}
