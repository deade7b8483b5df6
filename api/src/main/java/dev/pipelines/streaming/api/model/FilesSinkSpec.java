package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/** Files written exactly once (Spark's file sink keeps a commit log in _spark_metadata). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record FilesSinkSpec(
    String path,
    @JsonPropertyDescription("parquet (default), json or csv.") DataFormat format,
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY) List<String> partitionBy,
    Map<String, String> options) {

  public DataFormat formatOrDefault() {
    return format == null ? DataFormat.PARQUET : format;
  }

  public List<String> partitionByOrEmpty() {
    return partitionBy == null ? List.of() : partitionBy;
  }

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }
}
