package dev.pipelines.streaming.runner.control;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;

/**
 * A Kafka source's partitions and the records waiting in them, from its progress offsets in
 * Spark's Kafka offset JSON ({@code {"topic": {"0": 42, "1": 17}}}): the partitions of the end
 * offsets, and the sum over partitions of (latest − end). Each offset JSON is parsed once.
 *
 * @param partitions partitions in the end offsets (0 when they are missing or not Kafka's format)
 * @param backlog records waiting, or null when either offset is missing or not Kafka's format
 */
record KafkaBacklog(int partitions, Long backlog) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The figures of one source's progress offsets. */
  static KafkaBacklog of(String endOffset, String latestOffset) {
    JsonNode end = parse(endOffset);
    int partitions = 0;
    if (end != null) {
      for (JsonNode topic : end) {
        partitions += topic.size();
      }
    }
    JsonNode latest = parse(latestOffset);
    if (end == null || latest == null) {
      return new KafkaBacklog(partitions, null);
    }
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
    return new KafkaBacklog(partitions, sum);
  }

  private static JsonNode parse(String offsets) {
    if (offsets == null) {
      return null;
    }
    try {
      JsonNode node = JSON.readTree(offsets);
      return node != null && node.isObject() ? node : null;
    } catch (JsonProcessingException e) {
      return null; // not Kafka's offset format
    }
  }
}
