package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reconcile scenarios on a real API server with the operator holding exactly the
 * permissions of deploy/operator-rbac.yaml (impersonating its ServiceAccount).
 */
class ReconcileWithOperatorRbacTest extends ReconcileAgainstApiServerTest {
  static final String OPERATOR = "system:serviceaccount:streaming-system:streaming-pipeline-operator";
  static KubernetesClient admin;
  static KubernetesClient operator;

  @BeforeAll
  static void startServer() throws IOException {
    admin = RealApiServer.adminClient();
    RealApiServer.installCrd(admin);
    try (InputStream rbac = Files.newInputStream(Path.of("../deploy/operator-rbac.yaml"))) {
      admin.load(rbac).serverSideApply();
    }
    operator = impersonating(OPERATOR, "system:serviceaccounts", "system:serviceaccounts:streaming-system");
  }

  static KubernetesClient impersonating(String user, String... groups) {
    Config config = new ConfigBuilder(admin.getConfiguration()).withImpersonateUsername(user)
        .withImpersonateGroups(groups).build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  KubernetesClient client() {
    return admin;
  }

  @Override
  KubernetesClient operatorClient() {
    return operator;
  }

  @Test
  void aMissingPermissionFailsTheReconcile() throws IOException {
    ClusterRole full = admin.rbac().clusterRoles().withName("streaming-pipeline-operator").get();
    ClusterRole withoutRoles = new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder()
        .withNewMetadata().withName("operator-without-roles").endMetadata()
        .withRules(full.getRules().stream().filter(r -> !r.getResources().contains("roles")).toList())
        .build();
    admin.resource(withoutRoles).serverSideApply();
    admin.resource(new io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder()
        .withNewMetadata().withName("operator-without-roles").endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("operator-without-roles").endRoleRef()
        .addNewSubject().withKind("User").withName("limited-operator").endSubject().build()).serverSideApply();
    KubernetesClient limited = impersonating("limited-operator");
    operator = limited;
    try {
      loop = newLoop();
      create(PIPELINE);
      reconcile();
      assertThat(drivers()).isEmpty();
      assertThat(current().getStatus().conditions()).as("the refusal reaches status").anySatisfy(c -> {
        assertThat(c.reason()).isEqualTo("StartFailed");
        assertThat(c.message()).contains("roles.rbac.authorization.k8s.io").contains("forbidden");
      });
    } finally {
      operator = impersonating(OPERATOR, "system:serviceaccounts", "system:serviceaccounts:streaming-system");
    }
  }

  /**
   * What a pipeline author gets through the driver: its service account may run its executors,
   * but may not delete a PVC (another pipeline's checkpoints), read Secrets, or touch RBAC; the
   * executors' service account may do nothing. Asked of the API server itself (SubjectAccessReview).
   */
  @Test
  void theDriverMayRunExecutorsAndNothingMore() {
    create(PIPELINE);
    reconcile();
    String driver = "system:serviceaccount:" + ns + ":clicks-driver";
    String executor = "system:serviceaccount:" + ns + ":clicks-executor";
    assertThat(allowed(driver, "create", "pods")).isTrue();
    assertThat(allowed(driver, "delete", "pods")).isTrue();
    assertThat(allowed(driver, "create", "configmaps")).isTrue();
    assertThat(allowed(driver, "delete", "persistentvolumeclaims")).as("another pipeline's checkpoints").isFalse();
    assertThat(allowed(driver, "get", "secrets")).isFalse();
    assertThat(allowed(driver, "create", "services")).isFalse();
    assertThat(allowedRbac(driver, "create", "roles")).isFalse();
    // fencing: its own pipeline's checkpoint Lease, to read and renew; no other, and none created
    assertThat(allowedLease(driver, "patch", "clicks-checkpoint")).isTrue();
    assertThat(allowedLease(driver, "get", "clicks-checkpoint")).isTrue();
    assertThat(allowedLease(driver, "patch", "orders-checkpoint")).as("another pipeline's Lease").isFalse();
    assertThat(allowedLease(driver, "create", null)).isFalse();
    assertThat(allowedLease(driver, "delete", "clicks-checkpoint")).isFalse();
    assertThat(allowed(executor, "get", "pods")).isFalse();
    assertThat(allowed(executor, "get", "configmaps")).isFalse();
    assertThat(client.serviceAccounts().inNamespace(ns).withName("clicks-executor").get().getAutomountServiceAccountToken())
        .isFalse();
    // and the operator itself reads no pipeline's Secret
    assertThat(allowedAs(OPERATOR, "get", "", "secrets", ns)).isFalse();
  }

  boolean allowed(String user, String verb, String resource) {
    return allowedAs(user, verb, "", resource, ns);
  }

  boolean allowedRbac(String user, String verb, String resource) {
    return allowedAs(user, verb, "rbac.authorization.k8s.io", resource, ns);
  }

  /**
   * The driver's ServiceAccount takes, renews and releases its checkpoint Lease the way the
   * runner does (fabric8's LeaderElector with a LeaseLock: GET, then JSON merge PATCH guarded by
   * resourceVersion), with only the permissions the operator gave it.
   */
  @Test
  void theDriverTakesRenewsAndReleasesItsCheckpointLease() throws Exception {
    create(PIPELINE);
    reconcile();
    KubernetesClient asDriver = impersonating("system:serviceaccount:" + ns + ":clicks-driver",
        "system:serviceaccounts", "system:serviceaccounts:" + ns);
    java.util.concurrent.CountDownLatch leading = new java.util.concurrent.CountDownLatch(1);
    var config = new io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig(
        new io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock(ns, "clicks-checkpoint", "clicks-driver-1"),
        java.time.Duration.ofSeconds(15), java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(300),
        new io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks(leading::countDown, () -> { }, holder -> { }),
        true, "test");
    var election = asDriver.leaderElector().withConfig(config).build().start();
    try {
      assertThat(leading.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the driver took its Lease").isTrue();
      var taken = lease();
      assertThat(taken.getSpec().getHolderIdentity()).isEqualTo("clicks-driver-1");
      java.time.ZonedDateTime renewed = taken.getSpec().getRenewTime();
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (!lease().getSpec().getRenewTime().isAfter(renewed) && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(lease().getSpec().getRenewTime()).as("renewed").isAfter(renewed);
    } finally {
      election.cancel(true);
    }
    assertThat(lease().getSpec().getLeaseDurationSeconds()).as("released: expires within a second").isEqualTo(1);
  }

  io.fabric8.kubernetes.api.model.coordination.v1.Lease lease() {
    return admin.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class).inNamespace(ns)
        .withName("clicks-checkpoint").get();
  }

  boolean allowedLease(String user, String verb, String name) {
    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup("coordination.k8s.io").withResource("leases")
        .withName(name).withNamespace(ns).endResourceAttributes().endSpec().build();
    return admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }

  static boolean allowedAs(String user, String verb, String group, String resource, String namespace) {
    var review = new io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder()
        .withNewSpec().withUser(user).withGroups("system:serviceaccounts", "system:authenticated")
        .withNewResourceAttributes().withVerb(verb).withGroup(group).withResource(resource).withNamespace(namespace)
        .endResourceAttributes().endSpec().build();
    return admin.authorization().v1().subjectAccessReview().create(review).getStatus().getAllowed();
  }
}
