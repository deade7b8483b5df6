package dev.pipelines.streaming.operator.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.PipelineSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Spark settings the operator adds around what the user wrote. */
class SparkConfFactoryTest {
  /** Built without validation: the validator refuses Kerberos and feature-step keys, the factory must still cope. */
  static Map<String, String> conf(String sparkConf) {
    PipelineSpec spec = PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          checkpoint: {location: "s3a://b/c"}
          sparkConf: %s
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """.formatted(sparkConf)).pipeline().spec();
    return new SparkConfFactory("runner:1").conf(new DriverRequest("ns", "p", "uid", spec, 1, 1, 0));
  }

  @Test
  void kerberosStepIsSkippedForPipelinesWithoutKerberos() {
    assertThat(conf("{}")).containsEntry(SparkConfFactory.EXCLUDED_STEPS, SparkConfFactory.KERBEROS_STEP);
  }

  @Test
  void kerberosSettingsKeepTheStep() {
    assertThat(conf("{spark.kerberos.principal: etl@EXAMPLE.COM, spark.kerberos.keytab: /etc/etl.keytab}"))
        .doesNotContainKey(SparkConfFactory.EXCLUDED_STEPS);
  }

  @Test
  void stepsTheUserExcludesStayExcluded() {
    assertThat(conf("{spark.kubernetes.driver.pod.excludedFeatureSteps: com.example.Step}"))
        .containsEntry(SparkConfFactory.EXCLUDED_STEPS, "com.example.Step," + SparkConfFactory.KERBEROS_STEP);
  }
}
