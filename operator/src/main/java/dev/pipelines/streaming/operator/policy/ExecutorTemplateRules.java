package dev.pipelines.streaming.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.validation.PodTemplateRules;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * What the chart's admission policy refuses in an executor pod, checked in
 * {@code spec.podTemplates.executor} before the driver starts. Without it such a pipeline would
 * start a driver whose every executor the API server refuses: no executor, no progress, and the
 * reason only in the driver's log. The driver's own template is not held to these: the
 * operator creates the driver. Mirrors {@code templates/admission-policy.yaml}; both are tested
 * on the real API server (DriverAdmissionPolicyTest, TenantPolicyTest).
 */
final class ExecutorTemplateRules {
  static final String PATH = "spec.podTemplates.executor";
  /** The volume types the admission policy admits in executors (a claim: only the pipeline's own). */
  static final Set<String> VOLUMES = Set.of("emptyDir", "configMap", "projected", "downwardAPI", "persistentVolumeClaim");
  private static final String WHY = "; the operator's admission policy refuses such executors"
      + " (docs/operator.md#drivers-are-held-by-admission-not-by-convention)";

  private ExecutorTemplateRules() {}

  /** Problems with the executor template, empty when the policy would admit its executors. */
  static List<Problem> check(PipelineSpec spec, String ownClaim, boolean anyClaim) {
    JsonNode template = spec.podTemplates() == null ? null : spec.podTemplates().executor();
    List<Problem> refused = new ArrayList<>();
    if (template == null || !template.isObject()) {
      return refused;
    }
    JsonNode podSpec = template.path("spec");
    for (String field : List.of("nodeName", "runtimeClassName")) {
      if (podSpec.hasNonNull(field)) {
        refused.add(Problem.at(PATH + ".spec." + field, "executors may not choose " + field + WHY, "remove it; use"
            + " nodeSelector or affinity to choose nodes"));
      }
    }
    JsonNode volumes = podSpec.path("volumes");
    for (int i = 0; i < volumes.size(); i++) {
      String vp = PATH + ".spec.volumes[" + i + "]";
      JsonNode volume = volumes.get(i);
      for (Iterator<String> types = volume.fieldNames(); types.hasNext(); ) {
        String type = types.next();
        if (!type.equals("name") && !VOLUMES.contains(type)) {
          refused.add(Problem.at(vp + "." + type, "executors may mount only emptyDir, configMap, projected, downwardAPI"
              + " and the pipeline's checkpoint claim, not " + type + WHY));
        }
      }
      String claim = volume.path("persistentVolumeClaim").path("claimName").asText(null);
      if (claim != null && !anyClaim && !claim.equals(ownClaim)) {
        refused.add(Problem.at(vp + ".persistentVolumeClaim.claimName", "'" + claim + "': executors may mount only this"
            + " pipeline's own claim " + ownClaim + WHY));
      }
      JsonNode sources = volume.path("projected").path("sources");
      for (int s = 0; s < sources.size(); s++) {
        if (sources.get(s).has("secret")) {
          refused.add(Problem.at(vp + ".projected.sources[" + s + "].secret", "executors may not read Secrets" + WHY,
              "credentials go in the pipeline's fields with secretKeyRef: the driver reads them"));
        }
      }
    }
    PodTemplateRules.containers(template, PATH).forEach((cp, container) -> {
      JsonNode env = container.path("env");
      for (int e = 0; e < env.size(); e++) {
        if (env.get(e).path("valueFrom").has("secretKeyRef")) {
          refused.add(Problem.at(cp + ".env[" + e + "].valueFrom.secretKeyRef", "executors may not read Secrets" + WHY,
              "credentials go in the pipeline's fields with secretKeyRef: the driver reads them"));
        }
      }
      JsonNode envFrom = container.path("envFrom");
      for (int e = 0; e < envFrom.size(); e++) {
        if (envFrom.get(e).has("secretRef")) {
          refused.add(Problem.at(cp + ".envFrom[" + e + "].secretRef", "executors may not read Secrets" + WHY));
        }
      }
    });
    return refused;
  }
}
