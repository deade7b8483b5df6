package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/** Rows written to a topic as JSON values (at-least-once: Kafka has no idempotent sink in Spark). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KafkaSinkSpec(
    String bootstrapServers,
    String topic,
    @JsonPropertyDescription("Spark SQL expression for the record key, e.g. userId. Unset: no key.") String key,
    @JsonPropertyDescription("Extra Spark Kafka sink options, e.g. kafka.compression.type.") Map<String, String> options,
    KafkaCredentials credentials) {

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }
}
