package dev.pipelines.streaming.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.autoscaling values the policy cannot work with are refused, naming the field. */
class KubernetesRulesAutoscalingTest {

  static List<String> problems(String autoscaling) {
    return KubernetesRules.validate(PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
          autoscaling: %s
        """.formatted(autoscaling)).orThrow()).stream().map(Problem::toString).toList();
  }

  @Test
  void sensibleSettingsPass() {
    assertThat(problems("{minExecutors: 1, maxExecutors: 3, catchUpDuration: 500ms, maxScaleDownFactor: 0.2, dryRun: true}"))
        .isEmpty();
  }

  @Test
  void zeroDurationsAndFactorsAndMaximaAreRefused() {
    assertThat(problems("{minExecutors: 0, maxExecutors: 0, catchUpDuration: 0s, metricsWindow: 0s, maxScaleDownFactor: 0}"))
        .containsExactlyInAnyOrder(
            "spec.autoscaling.maxExecutors: must be at least 1, got 0",
            "spec.autoscaling.maxScaleDownFactor: must be in (0, 1], got 0.0 (0.5 removes at most half of the executors per scale-down)",
            "spec.autoscaling.catchUpDuration: must be more than 0, got '0s'",
            "spec.autoscaling.metricsWindow: must be more than 0, got '0s'");
  }
}
