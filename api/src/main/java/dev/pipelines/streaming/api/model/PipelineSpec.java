package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PipelineSpec(
    @JsonPropertyDescription("Named inputs: kafka, files, socket or generator.")
    List<SourceSpec> sources,
    @JsonPropertyDescription("Named steps, each reading from sources or other transforms.")
    List<TransformSpec> transforms,
    @JsonPropertyDescription("Named outputs; each becomes one streaming query with its own checkpoint.")
    List<SinkSpec> sinks,
    @JsonPropertyDescription("Extra Spark configuration (keys start with 'spark.').")
    Map<String, String> sparkConf) {

  public List<SourceSpec> sourcesOrEmpty() {
    return sources == null ? List.of() : sources;
  }

  public List<TransformSpec> transformsOrEmpty() {
    return transforms == null ? List.of() : transforms;
  }

  public List<SinkSpec> sinksOrEmpty() {
    return sinks == null ? List.of() : sinks;
  }

  public Map<String, String> sparkConfOrEmpty() {
    return sparkConf == null ? Map.of() : sparkConf;
  }
}
