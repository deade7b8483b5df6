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
  void kerberosStepIsAlwaysLeftOut() {
    assertThat(conf("{}")).containsEntry(SparkConfFactory.EXCLUDED_STEPS, SparkConfFactory.KERBEROS_STEP);
  }

  @Test
  void keysThePolicyRefusesNeverReachSpark() {
    Map<String, String> conf = conf("{spark.kerberos.principal: etl@EXAMPLE.COM, spark.kerberos.keytab: /etc/etl.keytab,"
        + " spark.kubernetes.driver.pod.excludedFeatureSteps: com.example.Step, spark.sql.shuffle.partitions: '4'}");
    assertThat(conf).doesNotContainKeys("spark.kerberos.principal", "spark.kerberos.keytab")
        .containsEntry(SparkConfFactory.EXCLUDED_STEPS, SparkConfFactory.KERBEROS_STEP)
        .containsEntry("spark.sql.shuffle.partitions", "4");
  }
}
