package dev.pipelines.streaming.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.operator.testing.ClusterUser;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's Kafka pipeline on a real node: clicks from a Kafka topic, counted per page in
 * 10-second event-time windows by 2 executor pods Spark creates, written to another topic once
 * each window is final. The driver is deleted between two halves of the input; at the end every
 * (window, page) count is the number of clicks sent for it. The broker runs on the node's
 * bridge address, where pods reach it.
 */
class KafkaOnRealNodeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final List<String> PAGES = List.of("/home", "/cart", "/pay");
  static final int WINDOWS = 12;
  static final int CLICKS_PER_PAGE_AND_WINDOW = 5;

  static KafkaNamespace node;
  static KafkaBroker kafka;
  static ClusterUser user;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: views, namespace: NS}
      spec:
        checkpoint: {pvc: {storageClassName: NS, size: 1Gi}}
        driver: {memory: 768m}
        executor: {instances: 2, memory: 768m}
        sparkConf:
          spark.kubernetes.driver.request.cores: 200m
          spark.kubernetes.executor.request.cores: 200m
          spark.sql.shuffle.partitions: "2"
        restartPolicy: {initialBackoff: 1s}
        sources:
          - name: clicks
            kafka: {bootstrapServers: "KAFKA", topic: clicks, startingOffsets: earliest}
            format: json
            schema:
              - {name: userId, type: string}
              - {name: page, type: string}
              - {name: eventTime, type: timestamp}
            watermark: {column: eventTime, delay: 5s}
        transforms:
          - name: perPage
            from: clicks
            window: {column: eventTime, size: 10s, groupBy: [page], aggregations: [{fn: count, as: views}]}
        sinks:
          - name: toKafka
            from: perPage
            outputMode: append
            trigger: {processingTime: 2s}
            kafka: {bootstrapServers: "KAFKA", topic: views, key: page}
      """;

  @BeforeAll
  static void start() throws Exception {
    node = KafkaNamespace.start("kafka");
    kafka = node.kafka();
    kafka.createTopic("clicks", 2);
    kafka.createTopic("views", 1);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void windowsCountedOnceThroughADriverRestart() throws Exception {
    user = new ClusterUser(node.client(), node.ns(), "views");
    user.apply(node.pipeline(PIPELINE));
    user.awaitReady("driver", "views-driver-1");
    user.await("2 executor pods Running", () -> user.runningExecutors() == 2, Duration.ofMinutes(3));

    kafka.produce("clicks", clicks(0, WINDOWS / 2));
    user.await("the first windows counted", () -> counts().size() >= PAGES.size(), Duration.ofMinutes(3));

    node.client().pods().inNamespace(node.ns()).withName("views-driver-1").delete();
    user.awaitReady("restarted driver", "views-driver-2");
    kafka.produce("clicks", clicks(WINDOWS / 2, WINDOWS));
    // one late-enough click moves the watermark past every window sent
    kafka.produce("clicks", List.of(Map.entry("u", click("u", "/closing", T0.plusSeconds(10L * WINDOWS + 60)))));

    int expected = WINDOWS * PAGES.size();
    user.await(expected + " (window, page) counts", () -> counts().size() >= expected, Duration.ofMinutes(3));
    Map<String, Long> counts = counts();
    user.check("every window's count", () -> {
      assertThat(counts).hasSize(expected);
      assertThat(counts.values()).as("clicks per page and window").containsOnly((long) CLICKS_PER_PAGE_AND_WINDOW);
    });
  }

  /** Clicks for windows [from, to): each page gets the same number per window. */
  static List<Map.Entry<String, String>> clicks(int fromWindow, int toWindow) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    for (int w = fromWindow; w < toWindow; w++) {
      for (String page : PAGES) {
        for (int i = 0; i < CLICKS_PER_PAGE_AND_WINDOW; i++) {
          String userId = "user-" + i;
          out.add(Map.entry(userId, click(userId, page, T0.plusSeconds(10L * w + i))));
        }
      }
    }
    return out;
  }

  static String click(String userId, String page, Instant at) {
    return "{\"userId\":\"" + userId + "\",\"page\":\"" + page + "\",\"eventTime\":\"" + at + "\"}";
  }

  /**
   * The views topic as "windowStart page" → count. The Kafka sink is at-least-once: a window
   * re-emitted after the restart must carry the same count (a different one fails here).
   */
  static Map<String, Long> counts() {
    Map<String, Long> out = new HashMap<>();
    for (ConsumerRecord<String, String> r : kafka.readAll("views", 0, Duration.ofSeconds(2))) {
      JsonNode row;
      try {
        row = JSON.readTree(r.value());
      } catch (java.io.IOException e) {
        throw new UncheckedIOException(e);
      }
      if (row.get("page").asText().equals("/closing")) {
        continue;
      }
      String key = row.get("windowStart").asText() + " " + row.get("page").asText();
      long views = row.get("views").asLong();
      Long before = out.put(key, views);
      assertThat(before == null || before == views).as("window " + key + " emitted with " + before + " and " + views).isTrue();
    }
    return out;
  }
}
