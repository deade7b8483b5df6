package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** CPU and memory of the driver or of each executor; instances for executors only. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourcesSpec(
    @JsonPropertyDescription("CPU cores (default 1).") Integer cores,
    @JsonPropertyDescription("JVM memory in Spark's format, e.g. 1g, 512m (default 1g).") String memory,
    @JsonPropertyDescription("Executors only: how many (default 1).") Integer instances) {

  public int coresOrDefault() {
    return cores == null ? 1 : cores;
  }

  public String memoryOrDefault() {
    return memory == null ? "1g" : memory;
  }

  public int instancesOrDefault() {
    return instances == null ? 1 : instances;
  }
}
