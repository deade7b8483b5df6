package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Formats for message values and files. Parquet is only valid for files. */
public enum DataFormat {
  @JsonProperty("json") JSON,
  @JsonProperty("csv") CSV,
  @JsonProperty("text") TEXT,
  @JsonProperty("parquet") PARQUET;

  /** The Spark data source short name. */
  public String sparkName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
