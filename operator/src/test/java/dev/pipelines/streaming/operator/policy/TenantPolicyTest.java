package dev.pipelines.streaming.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin's policy: each refusal names the field, and what is within it passes. */
class TenantPolicyTest {
  static final TenantPolicy IMAGES = new TenantPolicy("ghcr.io/spo/runner:1", List.of("ghcr.io/team-a/", "quay.io/x/y:2"),
      "spo-system", false, TenantPolicy.Limits.NONE);

  static StreamingPipeline pipeline(String extra) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """ + extra.indent(2)).orThrow();
  }

  static List<String> refused(TenantPolicy policy, String namespace, String extra) {
    return policy.check(namespace, pipeline(extra)).stream().map(Problem::toString).toList();
  }

  @Test
  void imagesAreTheRunnerImageListedImagesOrUnderAListedPrefix() {
    for (String ok : List.of("", "image: ghcr.io/spo/runner:1", "image: ghcr.io/team-a/runner:7", "image: quay.io/x/y:2")) {
      assertThat(refused(IMAGES, "analytics", ok)).as(ok).isEmpty();
    }
    for (String no : List.of("ghcr.io/team-a-evil/runner:1", "ghcr.io/spo/runner:2", "quay.io/x/y:3", "ghcr.io/team-a")) {
      assertThat(refused(IMAGES, "analytics", "image: " + no)).as(no).containsExactly("spec.image: '" + no
          + "' is not an image the operator's tenant policy allows (allowed: ghcr.io/spo/runner:1, ghcr.io/team-a/,"
          + " quay.io/x/y:2; remove spec.image for the runner image, or ask an admin to add it to"
          + " tenantPolicy.allowedImages)");
    }
  }

  @Test
  void theOperatorsOwnNamespaceIsRefusedUnlessAllowed() {
    assertThat(refused(IMAGES, "spo-system", "")).singleElement().asString()
        .startsWith("metadata.namespace: the operator runs no pipelines in its own namespace (spo-system)");
    assertThat(refused(new TenantPolicy("r", List.of(), "spo-system", true, null), "spo-system", "")).isEmpty();
    assertThat(refused(new TenantPolicy("r", List.of(), null, false, null), "spo-system", ""))
        .as("outside a cluster the operator's namespace is unknown").isEmpty();
  }

  @Test
  void resourceLimitsNameTheFieldAndAllowExactlyTheLimit() {
    TenantPolicy capped = new TenantPolicy("r", List.of(), null, false, new TenantPolicy.Limits(4, 2, "4g"));
    assertThat(refused(capped, "a", """
        driver: {cores: 2, memory: 4096m}
        executor: {instances: 4, cores: 2, memory: 4g}
        """)).as("at the limit").isEmpty();
    assertThat(refused(capped, "a", """
        driver: {cores: 3, memory: 5g}
        executor: {instances: 5, cores: 1, memory: 4097m}
        """)).containsExactly(
        "spec.executor.instances: 5 executors; the operator's tenant policy allows at most 4",
        "spec.driver.cores: 3 cores; the operator's tenant policy allows at most 2 per pod",
        "spec.driver.memory: 5g; the operator's tenant policy allows at most 4g per pod",
        "spec.executor.memory: 4097m; the operator's tenant policy allows at most 4g per pod");
    assertThat(refused(capped, "a", "autoscaling: {maxExecutors: 8}"))
        .containsExactly("spec.autoscaling.maxExecutors: 8 executors; the operator's tenant policy allows at most 4");
    assertThatThrownBy(() -> new TenantPolicy.Limits(null, null, "lots")).hasMessageContaining("'lots'");
  }
}
