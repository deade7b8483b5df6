package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** Drops rows whose keys were already seen within the watermark delay. */
public record DedupeSpec(
    @JsonPropertyDescription("Columns that identify a duplicate, e.g. [eventId].")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> keys) {

  public List<String> keysOrEmpty() {
    return keys == null ? List.of() : keys;
  }
}
