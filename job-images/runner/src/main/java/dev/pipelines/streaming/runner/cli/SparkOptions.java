package dev.pipelines.streaming.runner.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every Spark-using command shares. */
final class SparkOptions {
  @Option(names = "--master", defaultValue = "${env:SPO_MASTER}",
      description = "Spark master URL (env SPO_MASTER; default: local[*], or the master spark-submit set).")
  String master;

  /**
   * The master to set on the session: the option, else none when spark-submit already chose
   * one (the runner as a Kubernetes driver), else local[*] for local runs.
   */
  String effectiveMaster() {
    if (master != null && !master.isBlank()) {
      return master;
    }
    return System.getProperty("spark.master") != null ? null : "local[*]";
  }

  @Option(names = {"-c", "--conf"}, paramLabel = "KEY=VALUE",
      description = "Spark setting, applied after spec.sparkConf. Repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();
}
