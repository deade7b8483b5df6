package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.dashboard.DashboardAccess;
import dev.pipelines.streaming.operator.dashboard.DashboardPages;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.metrics.OperatorMetrics;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The operator as deployed (JOSDK, informers, status patches), against an API server. */
@EnableKubernetesMockClient(crud = true)
class OperatorEndToEndTest {
  KubernetesClient client;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: demo, namespace: team-a}
      spec:
        checkpoint: {location: "s3a://bucket/checkpoints"}
        sources: [{name: clicks, generator: {}}]
        sinks: [{name: out, from: clicks, console: {}}]
      """;

  @Test
  void newPipelineGetsADriverAndItsStatusFollowsThePod() throws Exception {
    Fleet fleet = new Fleet();
    ProgressHistory history = new ProgressHistory();
    OperatorMetrics metrics = new OperatorMetrics(fleet);
    Operator operator = OperatorMain.create(client, null, metrics);
    operator.register(new StreamingPipelineReconciler(OperatorMain.loop(client, "runner:test", history, new ControlTokens(new byte[32])), fleet));
    operator.start();
    HttpServer http = OperatorMain.startHttpServer(0, operator, metrics, new DashboardPages(fleet, history, Clock.systemUTC(), DashboardAccess.loopbackOnly()));
    try {
      StreamingPipelineResource p = Serialization.unmarshal(PIPELINE, StreamingPipelineResource.class);
      p.getMetadata().setUid(UUID.randomUUID().toString());
      p.getMetadata().setGeneration(1L);
      client.resource(p).create();

      await("driver pod", () -> client.pods().inNamespace("team-a").withName("demo-driver-1").get() != null);
      await("phase Starting", () -> "Starting".equals(phase()));

      // A patch, not an update: the operator may touch the pod meanwhile, and an update
      // carrying a stale resourceVersion would fail with 409 Conflict.
      client.pods().inNamespace("team-a").withName("demo-driver-1")
          .edit(pod -> new PodBuilder(pod).withStatus(new PodStatusBuilder().withPhase("Running").build()).build());
      await("phase Running", () -> "Running".equals(phase()));
      assertThat(current().getStatus().observedGeneration()).isEqualTo(1);
      assertThat(current().getStatus().checkpoint().location()).isEqualTo("s3a://bucket/checkpoints/team-a/epoch-0/demo");

      String scraped = get(http, "/metrics");
      assertThat(scraped).contains("spo_pipelines{phase=\"Running\"} 1.0", "spo_pipelines{phase=\"Starting\"} 0.0");
      assertThat(scraped).containsPattern("operator_sdk_reconciliations_success_total\\{.*\\} [1-9]");
      assertThat(scraped).contains("jvm_memory_used_bytes");
      assertThat(get(http, "/readyz")).isEqualTo("ready");
      assertThat(get(http, "/")).contains(">demo</a>", "phase running");
      assertThat(get(http, "/pipelines/team-a/demo")).contains("team-a / demo", "driver demo-driver-1 is running");
    } finally {
      http.stop(0);
      operator.stop();
    }
  }

  private static String get(HttpServer http, String path) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + http.getAddress().getPort() + path);
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private StreamingPipelineResource current() {
    return client.resources(StreamingPipelineResource.class).inNamespace("team-a").withName("demo").get();
  }

  private String phase() {
    StreamingPipelineResource r = current();
    return r == null || r.getStatus() == null ? null : r.getStatus().phase();
  }

  private void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    StreamingPipelineResource last = current();
    throw new AssertionError("timed out waiting for " + what + "; pipeline status: "
        + (last == null ? "pipeline gone" : Serialization.asYaml(last.getStatus())));
  }
}
