package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record PvcSpec(
    @JsonPropertyDescription("Existing claim to use; unset: the operator creates <pipeline>-checkpoints.") String claimName,
    @JsonPropertyDescription("Size of a created claim (default 1Gi).") String size,
    String storageClassName,
    @JsonPropertyDescription("Default [ReadWriteMany]: executors on other nodes write state too.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> accessModes) {

  public String sizeOrDefault() {
    return size == null ? "1Gi" : size;
  }

  public List<String> accessModesOrDefault() {
    return accessModes == null || accessModes.isEmpty() ? List.of("ReadWriteMany") : accessModes;
  }
}
