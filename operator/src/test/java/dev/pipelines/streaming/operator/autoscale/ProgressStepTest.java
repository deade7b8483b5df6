package dev.pipelines.streaming.operator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.status.AutoscalerStatus;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.DriverStatus;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.reconcile.PipelineEvent;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Progress into status, stalls into Degraded, load into executor requests, against a fake driver. */
class ProgressStepTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  HttpServer driver;
  final AtomicReference<String> progressJson = new AtomicReference<>();
  final List<String> controlCalls = new CopyOnWriteArrayList<>();
  static final ControlTokens TOKENS = new ControlTokens(new byte[32]);
  final AtomicReference<String> driverToken = new AtomicReference<>(TOKENS.token("uid"));
  ProgressStep step;

  @BeforeEach
  void startFakeDriver() throws IOException {
    driver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    driver.createContext("/", ex -> {
      boolean ok = ("Bearer " + driverToken.get()).equals(ex.getRequestHeaders().getFirst("Authorization"));
      String body = !ok ? "{}" : ex.getRequestURI().getPath().equals("/progress") ? progressJson.get() : "{\"accepted\":true}";
      if (ok && ex.getRequestURI().getPath().equals("/control")) {
        controlCalls.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(ok ? 200 : 401, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    driver.start();
    step = new ProgressStep(new DriverControlClient(TOKENS, (ns, name) -> driverUri()), new ProgressHistory());
  }

  URI driverUri() {
    return URI.create("http://127.0.0.1:" + driver.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    driver.stop(0);
  }

  static PipelineSpec spec(String extra) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          checkpoint: {pvc: {}}
          executor: {instances: 2}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}, trigger: {processingTime: 10s}}]
        """ + extra.indent(2)).orThrow().spec();
  }

  /** As the Decider leaves a running driver before its first batch. */
  static PipelineStatus running() {
    return running("WaitingForFirstBatch");
  }

  static PipelineStatus running(String readyReason) {
    return new PipelineStatus("Running", 1L, "driver p-driver-1 is running",
        List.of(new Condition(Condition.READY, "False", readyReason, "not ready", T0.toString(), 1L)),
        new DriverStatus("p-driver-1", 1, T0.toString(), 1L, T0.toString()), null, null, null, null);
  }

  @Test
  void aRefusedChangeStaysNotReadyWhileTheOldDriverCommits() {
    driverReports(7, T0.plusSeconds(50), 980.5, 9805, 4000, 2, null);
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec(""), running("IncompatibleChange"), T0.plusSeconds(60));
    assertThat(o.status().conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo(Condition.READY);
      assertThat(c.status()).isEqualTo("False");
      assertThat(c.reason()).isEqualTo("IncompatibleChange");
    });
  }

  void driverReports(long batchId, Instant at, double inputRate, long rows, long busyMillis, int executors, Integer target) {
    driverReports(batchId, at, inputRate, rows, busyMillis, executors, target, "");
  }

  void driverReports(long batchId, Instant at, double inputRate, long rows, long busyMillis, int executors, Integer target,
      String kafkaFields) {
    progressJson.set("""
        {"pipeline":"p","executors":%d,%s"queries":[{"name":"out","id":"x","active":true,"batchId":%d,
         "timestamp":"%s","numInputRows":%d,"inputRowsPerSecond":%s,"processedRowsPerSecond":%s,"busyMillis":%d%s}]}
        """.formatted(executors, target == null ? "" : "\"targetExecutors\":" + target + ",", batchId, at, rows,
        inputRate, inputRate * 1.2, busyMillis, kafkaFields));
  }

  @Test
  void progressLandsInStatus() {
    driverReports(7, T0.plusSeconds(50), 980.5, 9805, 4000, 2, null);
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec(""), running(), T0.plusSeconds(60));
    assertThat(o.status().progress().inputRowsPerSecond()).isEqualTo(980.5);
    assertThat(o.status().progress().executors()).isEqualTo(2);
    assertThat(o.status().progress().lastBatchAt()).isEqualTo(T0.plusSeconds(50).toString());
    assertThat(o.status().conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo(Condition.DEGRADED);
      assertThat(c.status()).isEqualTo("False");
    });
    assertThat(o.status().conditions()).as("a batch committed since the driver started: Ready").anySatisfy(c -> {
      assertThat(c.type()).isEqualTo(Condition.READY);
      assertThat(c.status()).isEqualTo("True");
    });
    assertThat(controlCalls).isEmpty(); // no autoscaling configured
  }

  @Test
  void rowsDroppedByTheWatermarkPerSinkAndTheHighestViolationCountPerRule() {
    progressJson.set("""
        {"pipeline":"p","executors":2,"queries":[
         {"name":"a","id":"a","active":true,"batchId":1,"timestamp":"%1$s","numInputRows":10,"busyMillis":100,
          "rowsDroppedByWatermark":3,"expectationViolations":{"clean.positive":2}},
         {"name":"b","id":"b","active":true,"batchId":1,"timestamp":"%1$s","numInputRows":10,"busyMillis":100,
          "rowsDroppedByWatermark":1,"expectationViolations":{"clean.positive":1,"clean.knownUser":4}}]}
        """.formatted(T0.plusSeconds(10)));
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec(""), running(), T0.plusSeconds(11));
    assertThat(o.status().progress().rowsDroppedByWatermark())
        .containsExactly(java.util.Map.entry("a", 3L), java.util.Map.entry("b", 1L));
    // both sinks read 'clean': the same rows checked twice are not twice the violations
    assertThat(o.status().progress().expectationViolations())
        .containsExactly(java.util.Map.entry("clean.knownUser", 4L), java.util.Map.entry("clean.positive", 2L));
  }

  @Test
  void batchesThatStopCompletingMakeItDegraded() {
    driverReports(7, T0.plusSeconds(50), 100, 1000, 100, 2, null);
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec(""), running(), T0.plusSeconds(50 + 6 * 60));
    Condition degraded = o.status().conditions().stream().filter(c -> c.type().equals(Condition.DEGRADED)).findFirst().orElseThrow();
    assertThat(degraded.status()).isEqualTo("True");
    assertThat(degraded.reason()).isEqualTo("NoProgress");
    assertThat(degraded.message()).isEqualTo("no batch completed since 2026-01-01T10:00:50Z (allowed: 5m)");
  }

  @Test
  void aRealTimeSinkReportingOncePerLongBatchIsNotDegraded() throws java.io.IOException {
    PipelineSpec realTime = dev.pipelines.streaming.api.PipelineLoader.yamlMapper().readValue("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          checkpoint: {pvc: {}}
          executor: {instances: 2}
          sources: [{name: clicks, kafka: {bootstrapServers: "k:9092", topic: clicks}, format: text}]
          sinks: [{name: out, from: clicks, console: {}, trigger: {realTime: 5m}}]
        """, dev.pipelines.streaming.api.model.StreamingPipeline.class).spec();
    driverReports(7, T0.plusSeconds(50), 100, 1000, 100, 2, null);
    // 6 minutes after the batch began: a 5-minute real-time batch reports at its end, not a stall
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", realTime, running(), T0.plusSeconds(50 + 6 * 60));
    assertThat(o.status().conditions().stream().filter(c -> c.type().equals(Condition.DEGRADED)).findFirst()
        .orElseThrow().status()).isEqualTo("False");
  }

  /** As the ReconcileLoop runs it: status (the decision) is written, then the request is made. */
  ProgressStep.Outcome applyAndScale(ProgressStep step, PipelineSpec spec, PipelineStatus status, Instant now) {
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec, status, now);
    if (o.scaleTo() != null) {
      assertThat(o.status().autoscaler().lastScaleTime()).as("recorded before the request").isEqualTo(now.toString());
      o = step.scale("uid", "ns", "p", o);
    }
    return o;
  }

  @Test
  void loadAboveTheTargetAsksTheDriverForMoreExecutors() {
    PipelineSpec spec = spec("autoscaling: {minExecutors: 1, maxExecutors: 8, metricsWindow: 1m}");
    PipelineStatus status = running();
    ProgressStep.Outcome o = null;
    // 5000 rows/s; 2 executors are busy the whole 10 s batch: 2500 rows/s each -> 3 needed at 70%
    for (int batch = 0; batch < 3; batch++) {
      Instant at = T0.plusSeconds(10L * (batch + 1));
      driverReports(batch, at, 5000, 50_000, 10_000, 2, null);
      o = applyAndScale(step, spec, status, at.plusSeconds(1));
      status = o.status();
      if (!controlCalls.isEmpty()) {
        break;
      }
    }
    assertThat(controlCalls).containsExactly("{\"targetExecutors\":3}");
    assertThat(o.events()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(PipelineEvent.Type.Normal);
      assertThat(e.reason()).isEqualTo("Scaled");
      assertThat(e.message()).startsWith("executors 2 -> 3: input 5000 rows/s, backlog 0, 2500 rows/s per executor, utilization 100%");
    });
    assertThat(o.status().autoscaler().desired()).isEqualTo(3);
    assertThat(o.status().autoscaler().unverifiedScaleUp().to()).isEqualTo(3);
  }

  @Test
  void anOperatorRestartContinuesTheStabilizationWindowFromStatus() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m, scaleDownStabilization: 5m}");
    driverReports(0, T0.plusSeconds(10), 5000, 50_000, 10_000, 2, 2);
    PipelineStatus scaled = applyAndScale(step, spec, running(), T0.plusSeconds(11)).status();
    assertThat(controlCalls).containsExactly("{\"targetExecutors\":3}");

    // a new operator process: nothing in memory, the status as written
    ProgressStep restarted = new ProgressStep(new DriverControlClient(TOKENS, (ns, name) -> driverUri()), new ProgressHistory());
    driverReports(1, T0.plusSeconds(70), 100, 1000, 1000, 3, 3);
    ProgressStep.Outcome o = applyAndScale(restarted, spec, scaled, T0.plusSeconds(71));
    assertThat(o.scaleTo()).isNull();
    assertThat(o.status().autoscaler().reason()).endsWith("waiting out the scale-down stabilization");
    assertThat(controlCalls).hasSize(1);
  }

  @Test
  void aSlowQueryKeepsCountingBetweenItsBatches() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    String twoQueries = """
        {"pipeline":"p","executors":2,"targetExecutors":2,"queries":[
         {"name":"fast","id":"a","active":true,"batchId":%d,"timestamp":"%s","numInputRows":1000,"inputRowsPerSecond":100,
          "busyMillis":500,"backlog":0},
         {"name":"slow","id":"b","active":true,"batchId":3,"timestamp":"%s","numInputRows":50000,"inputRowsPerSecond":5000,
          "busyMillis":60000,"backlog":900000}]}
        """;
    progressJson.set(twoQueries.formatted(7, T0.plusSeconds(10), T0));
    step.apply("uid", "ns", "p", spec, running(), T0.plusSeconds(70));
    // ten seconds later only the fast query has a new batch; the slow one is still 900,000 behind
    progressJson.set(twoQueries.formatted(8, T0.plusSeconds(75), T0));
    ProgressStep.Outcome o = step.apply("uid", "ns", "p", spec, running(), T0.plusSeconds(80));
    assertThat(o.status().autoscaler().reason()).contains("input 5100 rows/s, backlog 900000");
  }

  @Test
  void aNewDriverStartsWithAFreshHistory() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    // the previous driver scaled up and found it ineffective; this driver started at T0
    AutoscalerStatus before = new AutoscalerStatus(4, 4, 0, "...", T0.minusSeconds(30).toString(), null,
        List.of(new AutoscalerStatus.Recommendation(T0.minusSeconds(30).toString(), 4)), null,
        new AutoscalerStatus.ScaleUp(T0.minusSeconds(90).toString(), 2, 4, 5000.0));
    PipelineStatus status = running().withProgress(null, before, running().conditions());
    driverReports(0, T0.plusSeconds(10), 5000, 50_000, 10_000, 2, 2);
    ProgressStep.Outcome o = applyAndScale(step, spec, status, T0.plusSeconds(11));
    assertThat(controlCalls).containsExactly("{\"targetExecutors\":3}");
    assertThat(o.status().autoscaler().ineffectiveScaleUp()).isNull();
  }

  @Test
  void aDryRunRecordsTheRecommendationAndChangesNothing() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m, dryRun: true}");
    driverReports(0, T0.plusSeconds(10), 5000, 50_000, 10_000, 2, 2);
    ProgressStep.Outcome o = applyAndScale(step, spec, running(), T0.plusSeconds(11));
    assertThat(controlCalls).isEmpty();
    assertThat(o.status().autoscaler().dryRun()).isTrue();
    assertThat(o.status().autoscaler().desired()).isEqualTo(3);
    assertThat(o.status().autoscaler().lastScaleTime()).isNull();
    assertThat(o.status().autoscaler().reason()).startsWith("dry run: input 5000 rows/s");
    assertThat(o.events()).singleElement().satisfies(e -> {
      assertThat(e.reason()).isEqualTo("ScalingRecommended");
      assertThat(e.message()).startsWith("dry run: executors 2 -> 3 recommended: input 5000 rows/s");
    });
    // the same recommendation again: no second Event
    driverReports(1, T0.plusSeconds(20), 5000, 50_000, 10_000, 2, 2);
    assertThat(applyAndScale(step, spec, o.status(), T0.plusSeconds(21)).events()).isEmpty();
  }

  @Test
  void pendingExecutorsReportedByTheDriverHoldFurtherRequests() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    progressJson.set("""
        {"pipeline":"p","executors":2,"targetExecutors":3,"pendingExecutors":1,"queries":[{"name":"out","id":"x",
         "active":true,"batchId":0,"timestamp":"%s","numInputRows":90000,"inputRowsPerSecond":20000,
         "processedRowsPerSecond":9000,"busyMillis":10000}]}
        """.formatted(T0.plusSeconds(10)));
    ProgressStep.Outcome o = applyAndScale(step, spec, running(), T0.plusSeconds(11));
    assertThat(controlCalls).isEmpty();
    assertThat(o.status().autoscaler().pending()).isEqualTo(1);
    assertThat(o.status().autoscaler().reason()).endsWith("but 1 requested executor(s) are not registered yet");
  }

  @Test
  void aRefusedRequestIsAWarningAndKeepsTheRecordedTime() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    driver.removeContext("/");
    driver.createContext("/", ex -> {
      boolean control = ex.getRequestURI().getPath().equals("/control");
      byte[] bytes = (control ? "{\"error\":\"scaling down below the 3 registered executors needs spark.decommission.enabled=true\"}"
          : progressJson.get()).getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(control ? 409 : 200, bytes.length);
      ex.getResponseBody().write(bytes);
      ex.close();
    });
    driverReports(0, T0.plusSeconds(10), 5000, 50_000, 10_000, 2, 2);
    ProgressStep.Outcome o = applyAndScale(step, spec, running(), T0.plusSeconds(11));
    assertThat(o.events()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(PipelineEvent.Type.Warning);
      assertThat(e.reason()).isEqualTo("ScaleFailed");
      assertThat(e.message()).startsWith("could not scale to 3: driver answered 409");
    });
    assertThat(o.status().autoscaler().lastScaleTime()).isEqualTo(T0.plusSeconds(11).toString());
    assertThat(o.status().autoscaler().desired()).isEqualTo(2);
  }

  @Test
  void executorsBeyondTheKafkaPartitionsAreNotRequested() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    // one executor processes 2000 rows/s; 20000 rows/s arrive, which would need 15 executors,
    // but the topic has 3 partitions, so 3 executors (of 1 core) are the most that help
    driverReports(0, T0.plusSeconds(10), 20_000, 20_000, 10_000, 1, null,
        ",\"offsetsBehindLatest\":5000,\"kafkaPartitions\":3");
    ProgressStep.Outcome o = applyAndScale(step, spec, running(), T0.plusSeconds(11));
    assertThat(controlCalls).containsExactly("{\"targetExecutors\":3}");
    assertThat(o.status().autoscaler().reason()).contains("capped at 3");
    assertThat(o.status().progress().lag()).as("an older runner's largest-partition lag").isEqualTo(5000);
  }

  @Test
  void theBacklogIsTheSumOverPartitionsAndStagesBoundTheUsefulExecutors() {
    PipelineSpec spec = spec("autoscaling: {maxExecutors: 8, metricsWindow: 1m}");
    // 4 partitions split into 8 tasks (minPartitions): up to 8 one-core executors help
    driverReports(0, T0.plusSeconds(10), 20_000, 20_000, 10_000, 1, 1,
        ",\"offsetsBehindLatest\":5000,\"backlog\":18000,\"kafkaPartitions\":4,\"maxStageTasks\":8");
    ProgressStep.Outcome o = applyAndScale(step, spec, running(), T0.plusSeconds(11));
    assertThat(o.status().progress().lag()).isEqualTo(18000);
    assertThat(controlCalls).containsExactly("{\"targetExecutors\":8}");
  }

  @Test
  void aRecreatedPipelineHasANewTokenDerivedFromItsUid() {
    driverToken.set(TOKENS.token("uid-2")); // deleted and created again: a new UID, a driver that knows only its token
    driverReports(8, T0.plusSeconds(70), 1200, 12000, 4000, 2, null);
    ProgressStep.Outcome o = step.apply("uid-2", "ns", "p", spec(""), running(), T0.plusSeconds(80));
    assertThat(o.status().progress().inputRowsPerSecond()).isEqualTo(1200.0);
    assertThat(TOKENS.token("uid")).isNotEqualTo(TOKENS.token("uid-2")).hasSize(64);
  }

  /** A frozen or unreachable driver: no stale rates, ProgressUnavailable, and still Degraded once batches stop. */
  @Test
  void anUnreachableDriverIsReportedAndStillBecomesDegraded() {
    driverReports(7, T0.plusSeconds(50), 980.5, 9805, 4000, 2, null);
    PipelineStatus seen = step.apply("uid", "ns", "p", spec(""), running(), T0.plusSeconds(60)).status();
    driver.stop(0); // SIGSTOP or a dead endpoint: nothing answers

    ProgressStep.Outcome early = step.apply("uid", "ns", "p", spec(""), seen, T0.plusSeconds(90));
    assertThat(early.status().progress().inputRowsPerSecond()).isNull();
    assertThat(early.status().progress().executors()).isNull();
    assertThat(early.status().progress().lastBatchAt()).isEqualTo(T0.plusSeconds(50).toString());
    assertThat(early.status().conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo("ProgressUnavailable");
      assertThat(c.status()).isEqualTo("True");
    });
    ProgressStep.Outcome later = step.apply("uid", "ns", "p", spec(""), early.status(), T0.plusSeconds(50 + 6 * 60));
    assertThat(later.status().conditions()).anySatisfy(c -> {
      assertThat(c.type()).isEqualTo(Condition.DEGRADED);
      assertThat(c.status()).isEqualTo("True");
      assertThat(c.reason()).isEqualTo("NoProgress");
    });
  }
}
