package dev.pipelines.streaming.runner.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;

/**
 * Records waiting in Kafka: from a source's progress offsets, in Spark's Kafka offset JSON
 * ({@code {"topic": {"0": 42, "1": 17}}}), the sum over partitions of (latest − end).
 */
final class KafkaBacklog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private KafkaBacklog() {}

  /** The backlog, or null when either offset is missing or not Kafka's format. */
  static Long between(String endOffset, String latestOffset) {
    if (endOffset == null || latestOffset == null) {
      return null;
    }
    try {
      JsonNode end = JSON.readTree(endOffset);
      JsonNode latest = JSON.readTree(latestOffset);
      long sum = 0;
      for (Iterator<Map.Entry<String, JsonNode>> topics = latest.fields(); topics.hasNext(); ) {
        Map.Entry<String, JsonNode> topic = topics.next();
        for (Iterator<Map.Entry<String, JsonNode>> parts = topic.getValue().fields(); parts.hasNext(); ) {
          Map.Entry<String, JsonNode> part = parts.next();
          JsonNode read = end.path(topic.getKey()).path(part.getKey());
          // a partition new since the batch was planned has read nothing of it yet
          sum += Math.max(0, part.getValue().asLong() - (read.isMissingNode() ? 0 : read.asLong()));
        }
      }
      return sum;
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
