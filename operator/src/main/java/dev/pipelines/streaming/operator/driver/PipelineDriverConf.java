package dev.pipelines.streaming.operator.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesDriverConf;
import org.apache.spark.deploy.k8s.submit.JavaMainAppResource;
import org.apache.spark.util.Clock;
import scala.Option;

/**
 * Spark's driver configuration with a repeatable resource name prefix (Spark's default is
 * random per submission), as apache/spark-kubernetes-operator does: the same pipeline and
 * attempt always produce the same names, so a restarted operator finds what it created.
 */
final class PipelineDriverConf extends KubernetesDriverConf {
  private final String prefix;

  PipelineDriverConf(SparkConf conf, String appId, String prefix, String[] args, Clock clock) {
    super(conf, appId, new JavaMainAppResource(Option.apply(DriverNames.RUNNER_JAR)), DriverNames.RUNNER_MAIN,
        args, Option.empty(), clock);
    this.prefix = prefix;
  }

  @Override
  public String resourceNamePrefix() {
    return prefix;
  }
}
