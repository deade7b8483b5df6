package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP sink against a real HTTP server in the test: keys, headers, retries, failure and replay. */
class HttpSinkTest {
  static SparkSession spark;
  @TempDir Path dir;
  HttpServer server;
  /** Statuses to answer, in order; 200 once they run out. */
  final Deque<Integer> answers = new ArrayDeque<>();
  final List<Received> received = new CopyOnWriteArrayList<>();

  record Received(String key, String authorization, String team, String body, int status) {}

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/hook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      int status;
      synchronized (answers) {
        status = answers.isEmpty() ? 200 : answers.poll();
      }
      var h = exchange.getRequestHeaders();
      received.add(new Received(h.getFirst("Idempotency-Key"), h.getFirst("Authorization"), h.getFirst("X-Team"), body, status));
      byte[] answer = (status == 200 ? "ok" : "down for maintenance").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, answer.length);
      exchange.getResponseBody().write(answer);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
  }

  private String pipeline(String http) throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("spikes.json"), """
        {"page":"/a","views":40,"at":"2026-03-01T10:05:00Z"}
        {"page":"/b","views":55,"at":"2026-03-01T10:05:00Z"}
        {"page":"/c","views":61,"at":"2026-03-01T10:06:00Z"}
        """);
    return """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: alerts-demo}
        spec:
          sources:
            - name: spikes
              files: {path: "%s", format: json}
              schema: [{name: page, type: string}, {name: views, type: long}, {name: at, type: timestamp}]
          sinks:
            - name: alerts
              from: spikes
              trigger: {availableNow: true}
              http:
                url: "http://127.0.0.1:%d/hook"
        %s
        """.formatted(in, server.getAddress().getPort(), http.indent(8).stripTrailing());
  }

  private int run(String yaml, String checkpoints, ByteArrayOutputStream log) {
    SecretResolver secrets = new SecretResolver(Map.of("WEBHOOK_TOKEN", "s3cret")::get);
    return Pipelines.runToCompletion(spark, yaml, dir.resolve(checkpoints), new PrintStream(log, true), secrets);
  }

  @Test
  void aReceiverThatFailsTwiceGetsEveryRowOnceWithTheSameKeyOnEachAttempt() throws IOException {
    answers.addAll(List.of(503, 503));
    String yaml = pipeline("""
        headers:
          Authorization: {env: WEBHOOK_TOKEN, prefix: "Bearer "}
          X-Team: {value: data}
        maxRowsPerRequest: 2
        retryBackoff: 100ms""");

    assertThat(run(yaml, "cp", new ByteArrayOutputStream())).isZero();

    assertThat(received).extracting(Received::status).containsExactly(503, 503, 200, 200);
    // <pipeline>/<sink>/<query id>/<batch>/<first>-<last row>/<body hash>: retries repeat it
    assertThat(received.get(0).key()).matches("alerts-demo/alerts/[0-9a-f-]{36}/0/0-1/[0-9a-f]{12}");
    assertThat(received.get(1).key()).isEqualTo(received.get(0).key());
    assertThat(received.get(2).key()).isEqualTo(received.get(0).key());
    assertThat(received.get(3).key()).matches("alerts-demo/alerts/[0-9a-f-]{36}/0/2-2/[0-9a-f]{12}");
    assertThat(received).allSatisfy(r -> {
      assertThat(r.authorization()).isEqualTo("Bearer s3cret");
      assertThat(r.team()).isEqualTo("data");
    });
    assertThat(received.get(2).body()).isEqualTo("[{\"page\":\"/a\",\"views\":40,\"at\":\"2026-03-01T10:05:00.000Z\"},"
        + "{\"page\":\"/b\",\"views\":55,\"at\":\"2026-03-01T10:05:00.000Z\"}]");
    assertThat(received.get(3).body()).isEqualTo("[{\"page\":\"/c\",\"views\":61,\"at\":\"2026-03-01T10:06:00.000Z\"}]");
  }

  @Test
  void aReceiverThatNeverTakesTheBatchFailsTheQueryAndTheReplayRepeatsTheKey() throws IOException {
    answers.addAll(List.of(500, 500));
    String yaml = pipeline("""
        retries: 1
        retryBackoff: 100ms""");
    ByteArrayOutputStream log = new ByteArrayOutputStream();

    assertThat(run(yaml, "cp", log)).isEqualTo(ExitCodes.QUERY_FAILED);
    String port = Integer.toString(server.getAddress().getPort());
    String key = received.get(0).key();
    assertThat(log.toString(StandardCharsets.UTF_8)).contains("[alerts] failed: POST http://127.0.0.1:" + port
        + "/hook (Idempotency-Key " + key + ") answered 500: down for maintenance after 2 attempts");

    // The batch was not committed: the next run sends it again, under the same key.
    assertThat(run(yaml, "cp", new ByteArrayOutputStream())).isZero();
    assertThat(received).extracting(Received::key, Received::status).containsExactly(
        org.assertj.core.groups.Tuple.tuple(key, 500),
        org.assertj.core.groups.Tuple.tuple(key, 500),
        org.assertj.core.groups.Tuple.tuple(key, 200));
  }

  @Test
  void withDeadLettersARequestThatNeverGetsThroughGoesToTheDeadLetterTopicAndTheBatchGoesOn() throws IOException {
    answers.addAll(List.of(500, 500)); // the first request fails both attempts; the second gets 200
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("alerts-rejected", 1);
    String yaml = pipeline("""
        maxRowsPerRequest: 2
        retries: 1
        retryBackoff: 100ms
        onDeliveryFailure: deadLetter""") + """
            - name: rejected
              from: deadLetters
              trigger: {availableNow: true}
              kafka: {bootstrapServers: "%s", topic: alerts-rejected, key: step}
        """.formatted(kafka.bootstrapServers());
    ByteArrayOutputStream log = new ByteArrayOutputStream();

    assertThat(run(yaml, "cp", log)).as(log.toString(StandardCharsets.UTF_8)).isZero();

    // The files source parses JSON, so the dead letters also have a query of their own (no row fails to parse).
    assertThat(received).extracting(Received::status).containsExactly(500, 500, 200);
    List<ConsumerRecord<String, String>> letters = kafka.readAll("alerts-rejected", 2, Duration.ofSeconds(30));
    String port = Integer.toString(server.getAddress().getPort());
    assertThat(letters).extracting(ConsumerRecord::key).containsExactly("alerts", "alerts");
    assertThat(letters).extracting(ConsumerRecord::value).allSatisfy(v -> assertThat(v)
        .startsWith("{\"pipeline\":\"alerts-demo\",\"step\":\"alerts\",\"reason\":\"delivery failed\","
            + "\"error\":\"POST http://127.0.0.1:" + port + "/hook (Idempotency-Key " + received.get(0).key()
            + ") answered 500: down for maintenance after 2 attempts\","))
        .anySatisfy(v -> assertThat(v).contains("\"value\":\"{\\\"page\\\":\\\"/a\\\",\\\"views\\\":40,"))
        .anySatisfy(v -> assertThat(v).contains("\\\"page\\\":\\\"/b\\\""));
    assertThat(received.get(2).body()).as("the rest of the batch is delivered")
        .isEqualTo("[{\"page\":\"/c\",\"views\":61,\"at\":\"2026-03-01T10:06:00.000Z\"}]");
  }

  @Test
  void alertmanagerFormatPostsOneAlertPerRow() throws IOException {
    String yaml = pipeline("""
        format: alertmanager
        alertmanager:
          alertname: PageViewSpike
          labels: [page]
          annotations: [views]
          startsAt: at
          resolveAfter: 15m
          generatorURL: "https://grafana.example/d/pages\"""");

    assertThat(run(yaml, "cp", new ByteArrayOutputStream())).isZero();

    assertThat(received).hasSize(1);
    var alerts = new com.fasterxml.jackson.databind.ObjectMapper().readTree(received.get(0).body());
    assertThat(alerts).hasSize(3);
    assertThat(alerts.get(0).path("labels").toString()).isEqualTo("{\"alertname\":\"PageViewSpike\",\"page\":\"/a\"}");
    assertThat(alerts.get(0).path("annotations").toString()).isEqualTo("{\"views\":\"40\"}");
    assertThat(alerts.get(0).path("startsAt").asText()).isEqualTo("2026-03-01T10:05:00Z");
    assertThat(alerts.get(0).path("generatorURL").asText()).isEqualTo("https://grafana.example/d/pages");
    // an alert for an old window must not arrive resolved: endsAt counts from now when startsAt is past
    assertThat(java.time.Instant.parse(alerts.get(0).path("endsAt").asText()))
        .isAfter(java.time.Instant.now().plus(java.time.Duration.ofMinutes(14)));
  }

  @Test
  void aSecretThatCannotBeAHeaderValueStopsTheStartWithoutShowingIt() throws IOException {
    String yaml = pipeline("""
        headers:
          Authorization: {env: BROKEN_TOKEN, prefix: "Bearer "}""");
    SecretResolver secrets = new SecretResolver(Map.of("BROKEN_TOKEN", "s3cret-value\n")::get);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    var e = org.assertj.core.api.Assertions.catchThrowableOfType(dev.pipelines.streaming.runner.plan.PlanningException.class,
        () -> Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"), new PrintStream(log, true), secrets));
    assertThat(e.problems()).extracting(Object::toString).containsExactly("spec.sinks[0].http.headers[\"Authorization\"]: "
        + "the value holds a line break, another control character or a character HTTP headers cannot carry (a Secret "
        + "written from a file keeps its trailing newline: kubectl create secret generic --from-literal, or printf "
        + "without \\n)");
    assertThat(e.problems().toString() + log).doesNotContain("s3cret-value");
    // a character HTTP headers cannot carry (a pasted Unicode dash) is caught before start too, not at the first batch
    SecretResolver unicode = new SecretResolver(Map.of("BROKEN_TOKEN", "s3cret\u2013value")::get);
    var dash = org.assertj.core.api.Assertions.catchThrowableOfType(dev.pipelines.streaming.runner.plan.PlanningException.class,
        () -> Pipelines.runToCompletion(spark, yaml, dir.resolve("cp2"), new PrintStream(log, true), unicode));
    assertThat(dash.problems().toString()).contains("spec.sinks[0].http.headers[\"Authorization\"]: the value holds")
        .doesNotContain("s3cret");
    assertThat(received).isEmpty();
  }
}
