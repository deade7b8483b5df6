package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.runner.control.ControlServer;
import dev.pipelines.streaming.runner.control.ExecutorScaler;
import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.control.BatchTasks;
import dev.pipelines.streaming.runner.control.ProgressReader;
import dev.pipelines.streaming.runner.control.ProgressReport;
import dev.pipelines.streaming.runner.control.QueryProgress;
import dev.pipelines.streaming.runner.run.GracefulShutdown;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's /progress, /metrics and /control endpoints on a running generator pipeline. */
class ControlServerTest {
  static SparkSession spark;
  static final HttpClient HTTP = HttpClient.newHttpClient();
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static HttpResponse<String> call(int port, String method, String path, String token, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void progressMovesMetricsExportAndStopEndsQueriesWithTheCheckpointCommitted() throws Exception {
    QualityTotals quality = new QualityTotals(dev.pipelines.streaming.runner.plan.GuardDrops.of(spark));
    spark.streams().addListener(quality);
    List<StreamingQuery> queries = Pipelines.start(spark, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: live}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 100}}]
          transforms:
            - {name: checked, from: clicks, filter: "true", expectations: [{name: known, condition: "userId IS NOT NULL"}]}
          sinks: [{name: out, from: checked, trigger: {processingTime: 500ms}, files: {path: "%s", format: json}}]
        """.formatted(dir.resolve("out")), dir.resolve("cp"));
    GracefulShutdown shutdown = new GracefulShutdown(queries, Duration.ofSeconds(30), System.err);
    ExecutorScaler scaler = new ExecutorScaler(spark.sparkContext());
    try (ControlServer server = new ControlServer(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "s3cret",
        new ProgressReader(spark, "live", scaler, new BatchTasks(), quality), scaler, shutdown::stopAll).start()) {
      int port = server.port();

      assertThat(call(port, "GET", "/progress", null, null).statusCode()).isEqualTo(401);
      assertThat(call(port, "GET", "/progress", "wrong", null).statusCode()).isEqualTo(401);

      long first = awaitBatchAtLeast(port, 1);
      long later = awaitBatchAtLeast(port, first + 2);
      JsonNode query = JSON.readTree(call(port, "GET", "/progress", "s3cret", null).body()).get("queries").get(0);
      assertThat(later).isGreaterThan(first);
      assertThat(query.get("name").asText()).isEqualTo("out");
      assertThat(query.get("inputRowsPerSecond").asDouble()).isPositive();
      assertThat(query.get("busyMillis").asLong()).isPositive();
      // The operator reads /progress by docs/control-api/progress.json: same fields, nothing renamed.
      JsonNode contract = JSON.readTree(Path.of("..", "..", "docs", "control-api", "progress.json").toFile());
      assertThat(fieldNames(query)).isSubsetOf(fieldNames(contract.get("queries").get(0)));
      assertThat(Arrays.stream(QueryProgress.class.getRecordComponents()).map(RecordComponent::getName).toList())
          .containsExactlyInAnyOrderElementsOf(fieldNames(contract.get("queries").get(0)));
      assertThat(Arrays.stream(ProgressReport.class.getRecordComponents()).map(RecordComponent::getName).toList())
          .containsExactlyInAnyOrderElementsOf(fieldNames(contract));

      String metrics = call(port, "GET", "/metrics", null, null).body();
      // counters are exposed with Prometheus' _total suffix
      assertThat(metrics).contains("spo_rows_dropped_by_watermark_total{pipeline=\"live\",query=\"out\"} 0.0")
          .contains("spo_expectation_violations_total{expectation=\"checked.known\",pipeline=\"live\",query=\"out\"} 0.0");
      assertThat(metrics).contains("spo_input_rows_per_second{pipeline=\"live\",query=\"out\"}")
          .contains("spo_batch_id{pipeline=\"live\",query=\"out\"}");

      HttpResponse<String> malformed = call(port, "POST", "/control", "s3cret", "{targetExecutors: ");
      assertThat(malformed.statusCode()).isEqualTo(400);
      assertThat(malformed.body()).contains("malformed body").contains("targetExecutors");
      HttpResponse<String> unknown = call(port, "POST", "/control", "s3cret", "{\"replicas\": 3}");
      assertThat(unknown.statusCode()).isEqualTo(400);
      assertThat(unknown.body()).contains("replicas");
      assertThat(call(port, "POST", "/control", "s3cret", "{}").body()).contains("nothing to do");
      assertThat(call(port, "POST", "/control", "s3cret", "{\"targetExecutors\": -1}").body())
          .contains("targetExecutors must be at least 0");
      HttpResponse<String> local = call(port, "POST", "/control", "s3cret", "{\"targetExecutors\": 3}");
      assertThat(local.statusCode()).isEqualTo(409);
      assertThat(local.body()).contains("local mode");
      assertThat(call(port, "GET", "/control", "s3cret", null).statusCode()).isEqualTo(405);
      assertThat(call(port, "POST", "/control", null, "{\"stop\": true}").statusCode()).isEqualTo(401);

      HttpResponse<String> stop = call(port, "POST", "/control", "s3cret", "{\"stop\": true}");
      assertThat(stop.statusCode()).isEqualTo(202);
      for (StreamingQuery q : queries) {
        assertThat(q.awaitTermination(60_000)).isTrue();
        assertThat(q.exception().isEmpty()).isTrue();
      }
    }
    // Stopped between batches: the last planned batch is also committed.
    Path cp = dir.resolve("cp/live/out");
    assertThat(lastBatch(cp.resolve("commits"))).isEqualTo(lastBatch(cp.resolve("offsets")));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static long awaitBatchAtLeast(int port, long batch) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode q = JSON.readTree(call(port, "GET", "/progress", "s3cret", null).body()).get("queries").get(0);
      if (q != null && q.hasNonNull("batchId") && q.get("batchId").asLong() >= batch) {
        return q.get("batchId").asLong();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no batch " + batch);
  }

  private static long lastBatch(Path log) throws IOException {
    try (Stream<Path> files = Files.list(log)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+"))
          .mapToLong(Long::parseLong).max().orElse(-1);
    }
  }
}
