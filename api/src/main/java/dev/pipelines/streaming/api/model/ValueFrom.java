package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * A secret value by reference. On Kubernetes the operator injects a secretKeyRef into the
 * driver as the environment variable {@link #envName()}; locally, set {@code env}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ValueFrom(
    @JsonPropertyDescription("A key of a Secret in the pipeline's namespace.") SecretKeyRef secretKeyRef,
    @JsonPropertyDescription("Name of an environment variable holding the value.") String env) {

  /** The environment variable the runner reads the value from. */
  public String envName() {
    if (env != null) {
      return env;
    }
    String raw = "SPO_SECRET_" + secretKeyRef.name() + "_" + secretKeyRef.key();
    return raw.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
  }
}
