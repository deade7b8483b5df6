package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record FilesSourceSpec(
    @JsonPropertyDescription("Directory (local, hdfs://, s3a://) watched for new files.") String path,
    @JsonPropertyDescription("json, csv, parquet or text.") DataFormat format,
    Integer maxFilesPerTrigger,
    @JsonProperty("static")
    @JsonPropertyDescription("Read the directory as a static table (e.g. a lookup for joins) instead of a stream.")
    Boolean isStatic,
    @JsonPropertyDescription("Extra Spark file source options, e.g. header, multiLine.") Map<String, String> options,
    @JsonPropertyDescription("Static only: how often the directory is listed and read again; files added or "
        + "changed since are seen from the next micro-batch after that (default 5m).") String refreshInterval) {

  public String refreshIntervalOrDefault() {
    return refreshInterval == null ? StaticRefresh.DEFAULT_INTERVAL : refreshInterval;
  }

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }
}
