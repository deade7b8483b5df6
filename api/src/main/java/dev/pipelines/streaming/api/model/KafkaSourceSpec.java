package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record KafkaSourceSpec(
    String bootstrapServers,
    @JsonPropertyDescription("Topic to read; comma-separate several. Exclusive with pattern.") String topic,
    @JsonPropertyDescription("Java regex of topics to read. Exclusive with topic.") String pattern,
    @JsonPropertyDescription("earliest, latest (default) or a JSON offsets object.") String startingOffsets,
    @JsonPropertyDescription("Add kafkaKey, kafkaTopic, kafkaPartition, kafkaOffset, kafkaTimestamp columns.")
    Boolean includeMetadata,
    @JsonPropertyDescription("Add a kafkaHeaders column: the record's headers, an array of {key, value} in the order"
        + " sent (a key may repeat; values as UTF-8 text).")
    Boolean includeHeaders,
    @JsonPropertyDescription("Extra Spark Kafka source options, e.g. maxOffsetsPerTrigger, kafka.security.protocol.")
    Map<String, String> options,
    KafkaCredentials credentials) {

  public String startingOffsetsOrDefault() {
    return startingOffsets == null ? "latest" : startingOffsets;
  }

  public boolean includeMetadataOrDefault() {
    return Boolean.TRUE.equals(includeMetadata);
  }

  public boolean includeHeadersOrDefault() {
    return Boolean.TRUE.equals(includeHeaders);
  }

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }
}
