package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A StreamingPipeline resource exactly as a user writes it (kubectl manifest or local file). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamingPipeline(
    @JsonPropertyDescription("Must be " + StreamingPipeline.API_VERSION) String apiVersion,
    @JsonPropertyDescription("Must be " + StreamingPipeline.KIND) String kind,
    Metadata metadata,
    PipelineSpec spec) {

  public static final String GROUP = "streaming.pipelines.dev";
  public static final String VERSION = "v1alpha1";
  public static final String API_VERSION = GROUP + "/" + VERSION;
  public static final String KIND = "StreamingPipeline";

  /** The pipeline's name, used for checkpoint directories and query names. */
  public String name() {
    return metadata == null ? null : metadata.name();
  }
}
