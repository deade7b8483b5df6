package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.operator.apiserver.FakeKubelet;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.operator.children.PipelineAccess;
import dev.pipelines.streaming.operator.dashboard.DashboardAccess;
import dev.pipelines.streaming.operator.dashboard.DashboardPages;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.metrics.OperatorMetrics;
import dev.pipelines.streaming.operator.testing.ClusterUser;
import dev.pipelines.streaming.testing.RealApiServer;
import dev.pipelines.streaming.operator.children.PipelineChildren;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.children.PipelineEgress;
import dev.pipelines.streaming.operator.policy.ApiServerAddresses;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator as it runs in production (JOSDK with OperatorMain's settings, informers, status
 * updates, its HTTP endpoints) against a real kube-apiserver + etcd; pods are played by {@link FakeKubelet} and the
 * driver's /progress by a local endpoint. Covers the JOSDK wiring the step-by-step tests cannot:
 * drivers read from the informer cache, Ready only after a committed batch, a deleted or edited
 * child (Role, ServiceAccount) put back, a refused change
 * never started after the old driver fails (probe A), and a deleted pipeline forgotten (its
 * progress history and autoscaler state leave memory; no finalizer is involved).
 */
class OperatorOnRealApiServerTest {
  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: clicks, namespace: NS}
      spec:
        checkpoint: {location: "s3a://bucket/checkpoints"}
        restartPolicy: {initialBackoff: 1s}
        sources:
          - name: clicks
            generator: {}
            watermark: {column: eventTime, delay: 30s}
        transforms:
          - name: perPage
            from: clicks
            window: {column: eventTime, size: 1m, groupBy: [page], aggregations: [{fn: count}]}
        sinks:
          - {name: out, from: perPage, console: {}}
      """;

  KubernetesClient client;
  FakeKubelet kubelet;
  String ns;
  ClusterUser user;
  HttpServer driver;
  HttpServer http;
  Operator operator;
  Fleet fleet;
  ProgressHistory history;

  /** A namespace, a /progress endpoint for its drivers, and the operator (OperatorMain's settings) watching it. */
  @BeforeEach
  void setUp() throws Exception {
    client = RealApiServer.adminClient();
    RealApiServer.installCrd(client);
    kubelet = new FakeKubelet(client);
    kubelet.ensureNode();
    ns = "op-" + UUID.randomUUID().toString().substring(0, 6);
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    user = new ClusterUser(client, ns, "clicks");
    driver = progressEndpoint();
    fleet = new Fleet();
    history = new ProgressHistory();
    startOperator(new ControlTokens(new byte[32]));
  }

  /** The operator with control key {@code tokens}, as OperatorMain starts it. */
  void startOperator(ControlTokens tokens) throws Exception {
    OperatorMetrics metrics = new OperatorMetrics(fleet);
    operator = OperatorMain.create(client, null, metrics);
    URI endpoint = URI.create("http://127.0.0.1:" + driver.getAddress().getPort());
    // egress NetworkPolicies on, as an admin turns them on: kept as built, like the Role
    PipelineEgress egress = new PipelineEgress(true, List.of(), ApiServerAddresses.discover(client, Map.of()));
    operator.register(new StreamingPipelineReconciler(OperatorMain.loop(client, "runner:test", history,
        tokens, TenantPolicy.defaults("runner:test", "streaming-system"), egress,
        (namespace, name) -> endpoint), fleet, new PipelineChildren(egress)), o -> o.settingNamespaces(java.util.Set.of(ns)));
    operator.start();
    http = OperatorMain.startHttpServer(0, operator, metrics,
        new DashboardPages(fleet, history, java.time.Clock.systemUTC(), DashboardAccess.loopbackOnly()));
  }

  @AfterEach
  void stopOperator() {
    if (http != null) {
      http.stop(0);
    }
    if (operator != null) {
      operator.stop();
    }
    if (driver != null) {
      driver.stop(0);
    }
  }

  /** Applies the pipeline and plays the kubelet until its first driver runs and is Ready. */
  void runningPipeline() throws Exception {
    user.apply(PIPELINE.replace("NS", ns));
    await("driver pod", () -> user.pod("clicks-driver-1") != null);
    kubelet.setPhase(ns, "clicks-driver-1", "Running", null);
    await("Ready after the first committed batch", () -> "True".equals(user.ready().status()));
  }

  /**
   * No pod of the refused generation exists after the operator reconciled the pipeline again,
   * once the restart backoff (1 s) was over. The positive signal, waited for before looking:
   * the driver's Role, deleted after the backoff, put back by the operator; it does that after
   * the start decision in the same reconcile, so a wrong start would be there by then.
   */
  void neverStarted(long refusedGeneration) throws Exception {
    reconciledAfterTheBackoff();
    for (Pod p : client.pods().inNamespace(ns).list().getItems()) {
      assertThat(p.getMetadata().getLabels()).as(p.getMetadata().getName() + " runs the refused generation " + refusedGeneration)
          .doesNotContainEntry("streaming.pipelines.dev/generation", String.valueOf(refusedGeneration));
    }
  }

  /** Returns once a reconcile that began after the restart backoff (1 s) has finished. */
  void reconciledAfterTheBackoff() throws Exception {
    Instant backoffOver = Instant.now().plusSeconds(2);
    await("the restart backoff over", () -> Instant.now().isAfter(backoffOver));
    String role = client.rbac().roles().inNamespace(ns).withName("clicks-driver").get().getMetadata().getUid();
    client.rbac().roles().inNamespace(ns).withName("clicks-driver").delete();
    await("a reconcile after the backoff (the deleted Role put back)", () -> {
      var back = client.rbac().roles().inNamespace(ns).withName("clicks-driver").get();
      return back != null && !back.getMetadata().getUid().equals(role);
    });
  }

  /** Probe B: one edit resumes a suspended pipeline and changes groupBy: refused, nothing starts on the old checkpoint. */
  @Test
  void resumingWithAnIncompatibleChangeStartsNothing() throws Exception {
    runningPipeline();
    user.edit("restartPolicy: {initialBackoff: 1s}", "suspend: true\n  restartPolicy: {initialBackoff: 1s}");
    await("the driver stopping", () -> user.pod("clicks-driver-1") == null || user.pod("clicks-driver-1").getMetadata().getDeletionTimestamp() != null);
    kubelet.finishTerminations(ns);
    await("Suspended", () -> "Suspended".equals(user.status().phase()));
    user.edit("suspend: true", "suspend: false", "groupBy: [page]", "groupBy: [userId]");
    await("IncompatibleChange", () -> "IncompatibleChange".equals(user.ready().reason()));
    neverStarted(3);
    assertThat(client.pods().inNamespace(ns).list().getItems()).as("no driver at all").isEmpty();
  }

  /** Probe C: the record of the spec that last ran is gone: nothing new starts (fails closed). */
  @Test
  void anUnknownCheckpointSpecStartsNothing() throws Exception {
    runningPipeline();
    client.configMaps().inNamespace(ns).withName("clicks-spec").delete();
    kubelet.setPhase(ns, "clicks-driver-1", "Failed", 1);
    await("UnknownCheckpointSpec", () -> "UnknownCheckpointSpec".equals(user.ready().reason()));
    reconciledAfterTheBackoff();
    assertThat(user.pod("clicks-driver-2")).as("no restart on a checkpoint whose spec is unknown").isNull();
  }

  /** Probe E: an incompatible change lands while a compatible one rolls out: the old driver stops, the refused spec never starts. */
  @Test
  void anIncompatibleChangeDuringARolloutNeverStarts() throws Exception {
    runningPipeline();
    user.edit("{name: out, from: perPage, console: {}}", "{name: out, from: perPage, trigger: {processingTime: 5s}, console: {}}");
    await("the old driver stopping", () -> user.pod("clicks-driver-1").getMetadata().getDeletionTimestamp() != null);
    user.edit("groupBy: [page]", "groupBy: [userId]");
    kubelet.finishTerminations(ns); // the old driver is gone: the next start is checked against the record
    await("IncompatibleChange", () -> "IncompatibleChange".equals(user.ready().reason()));
    assertThat(user.ready().message()).contains("spec.transforms[0].window.groupBy");
    neverStarted(3);
  }

  @Test
  void theOperatorRunsAPipelineRefusesAnIncompatibleChangeAndForgetsTheDeletedPipeline() throws Exception {
    {
      user.apply(PIPELINE.replace("NS", ns));

      await("driver pod", () -> user.pod("clicks-driver-1") != null);
      await("Starting", () -> "Starting".equals(user.status().phase()));
      kubelet.setPhase(ns, "clicks-driver-1", "Running", null);
      await("Ready after the first committed batch", () -> "True".equals(user.ready().status()));
      assertThat(user.status().phase()).isEqualTo("Running");
      assertThat(history.points(ns, "clicks")).as("progress read from the driver").isNotEmpty();
      assertThat(user.status().checkpoint().location()).isEqualTo("s3a://bucket/checkpoints/" + ns + "/epoch-0/clicks");

      // what the operator serves: metrics, readiness, the dashboard
      String scraped = get(http, "/metrics");
      assertThat(scraped).contains("spo_pipelines{phase=\"Running\"} 1.0", "spo_pipelines{phase=\"Starting\"} 0.0");
      assertThat(scraped).containsPattern("operator_sdk_reconciliations_success_total\\{.*\\} [1-9]");
      assertThat(scraped).contains("jvm_memory_used_bytes");
      assertThat(get(http, "/readyz")).isEqualTo("ready");
      assertThat(get(http, "/")).contains(">clicks</a>", "phase running");
      assertThat(get(http, "/pipelines/" + ns + "/clicks")).contains(ns + " / clicks", "driver clicks-driver-1 is running");

      // drift: a deleted child comes back, a widened Role is narrowed again
      client.rbac().roles().inNamespace(ns).withName("clicks-driver").delete();
      await("the driver's Role put back", () -> client.rbac().roles().inNamespace(ns).withName("clicks-driver").get() != null);
      client.rbac().roles().inNamespace(ns).withName("clicks-driver").edit(r -> new RoleBuilder(r)
          .addNewRule().withApiGroups("").withResources("secrets").withVerbs("get").endRule().build());
      await("the driver's Role narrowed again", () -> client.rbac().roles().inNamespace(ns).withName("clicks-driver").get()
          .getRules().equals(PipelineAccess.driverRules("clicks")));
      client.serviceAccounts().inNamespace(ns).withName("clicks-executor").edit(sa -> {
        sa.setAutomountServiceAccountToken(true);
        return sa;
      });
      await("the executors' token unmounted again", () -> Boolean.FALSE.equals(
          client.serviceAccounts().inNamespace(ns).withName("clicks-executor").get().getAutomountServiceAccountToken()));
      // an egress policy deleted, or widened to everywhere, is put back
      var policies = client.network().networkPolicies().inNamespace(ns);
      policies.withName("clicks-egress").delete();
      await("the egress NetworkPolicy put back", () -> policies.withName("clicks-egress").get() != null);
      var driverEgress = policies.withName("clicks-driver-egress").get().getSpec().getEgress();
      assertThat(driverEgress).as("the API server's addresses, read from the API server").isNotEmpty()
          .allSatisfy(rule -> assertThat(rule.getTo()).isNotEmpty());
      policies.withName("clicks-driver-egress").edit(np -> {
        np.getSpec().getEgress().add(new NetworkPolicyEgressRule()); // an empty rule: everywhere
        return np;
      });
      await("the driver's egress narrowed again", () -> policies.withName("clicks-driver-egress").get().getSpec()
          .getEgress().equals(driverEgress));

      // probe A: an incompatible change is refused; the old driver then fails: the refused spec never starts
      user.edit("groupBy: [page]", "groupBy: [userId]");
      await("IncompatibleChange", () -> "IncompatibleChange".equals(user.ready().reason()));
      assertThat(user.ready().message()).contains("spec.transforms[0].window.groupBy");
      kubelet.setPhase(ns, "clicks-driver-1", "Failed", 1);
      await("the failure seen", () -> user.status().restarts() != null && user.status().restarts().count() >= 1
          || "Failed".equals(user.status().phase()));
      neverStarted(2);
      assertThat(user.ready().reason()).isIn("IncompatibleChange", "DriverFailed");

      // deleting the pipeline: what the operator kept in memory about it goes too
      String uid = user.pipeline().getMetadata().getUid();
      user.delete();
      await("history forgotten", () -> history.points(ns, "clicks").isEmpty());
      assertThat(fleet.pipelines()).noneMatch(p -> p.getMetadata().getUid().equals(uid));

      // created again under the same name: a new pipeline, started afresh (its pods, not the old ones)
      client.pods().inNamespace(ns).withGracePeriod(0).delete(); // what the garbage collector does (none here)
      user.apply(PIPELINE.replace("NS", ns));
      await("the new pipeline's driver", () -> user.pod("clicks-driver-1") != null
          && user.pod("clicks-driver-1").getMetadata().getOwnerReferences().get(0).getUid().equals(user.pipeline().getMetadata().getUid()));
      assertThat(user.pipeline().getMetadata().getUid()).isNotEqualTo(uid);
      assertThat(user.status().restarts() == null || user.status().restarts().count() == 0).as("a new pipeline, no restarts").isTrue();
    }
  }

  private static String get(HttpServer http, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
    return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(uri).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A driver's /progress (the contract in docs/control-api/progress.json) with a batch committed just now. */
  /** The pipeline's control token as its driver reads it: from its Secret (the kubelet mounts it). */
  String mountedToken() {
    var secret = client.secrets().inNamespace(ns).withName("clicks-control").get();
    return secret == null ? null : new String(java.util.Base64.getDecoder().decode(secret.getData().get("token")),
        StandardCharsets.UTF_8);
  }

  /** A driver's /progress, answering 401 to any token but the one in the pipeline's Secret, as the runner does. */
  HttpServer progressEndpoint() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicLong batch = new AtomicLong();
    server.createContext("/progress", exchange -> {
      String token = mountedToken();
      if (token == null || !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        exchange.sendResponseHeaders(401, -1);
        exchange.close();
        return;
      }
      String body = """
          {"pipeline": "clicks", "executors": 1, "targetExecutors": 1, "queries": [{"name": "out",
           "id": "5f0c2a52-7d3e-4a8b-9a51-2b9b0c7f6e10", "active": true, "batchId": %d, "timestamp": "%s",
           "numInputRows": 100, "inputRowsPerSecond": 10.0, "processedRowsPerSecond": 20.0, "busyMillis": 500}]}
          """.formatted(batch.incrementAndGet(), Instant.now());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
      exchange.close();
    });
    server.start();
    return server;
  }

  /**
   * The operator's control key changed (its Secret deleted and created anew, or replaced): the
   * running driver refuses the token the operator now derives, the operator writes the
   * pipeline's token Secret again, and the driver, which reads it from its mounted Secret,
   * answers again: Ready by itself, no restart. It used to stay unreachable for good.
   */
  @Test
  void aChangedControlKeyIsHealedWithoutARestart() throws Exception {
    runningPipeline();
    String before = mountedToken();
    http.stop(0);
    operator.stop();
    byte[] newKey = new byte[32];
    java.util.Arrays.fill(newKey, (byte) 7);
    startOperator(new ControlTokens(newKey));
    await("the token Secret written with the new key", () -> !before.equals(mountedToken()));
    assertThat(mountedToken()).isEqualTo(new ControlTokens(newKey).token(user.pipeline().getMetadata().getUid()));
    // the next reconcile (30 s, or now on any change) reads progress with the new token
    client.resources(StreamingPipelineResource.class).inNamespace(ns).withName("clicks")
        .edit(p -> {
          p.getMetadata().setAnnotations(Map.of("example.com/nudge", "1"));
          return p;
        });
    await("progress read again", () -> user.status().conditionsOrEmpty().stream()
        .noneMatch(c -> c.type().equals("ProgressUnavailable") && c.status().equals("True")));
    assertThat(user.ready().status()).isEqualTo("True");
    assertThat(user.pod("clicks-driver-2")).as("no restart").isNull();
  }

  void await(String what, BooleanSupplier condition) throws Exception {
    user.await(what, condition::getAsBoolean, Duration.ofSeconds(60));
  }
}
