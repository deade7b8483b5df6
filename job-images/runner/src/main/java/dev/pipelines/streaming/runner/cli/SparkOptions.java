package dev.pipelines.streaming.runner.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** Options every Spark-using command shares. */
final class SparkOptions {
  @Option(names = "--master", defaultValue = "${env:SPO_MASTER:-local[*]}",
      description = "Spark master URL (default: ${DEFAULT-VALUE}; env SPO_MASTER).")
  String master;

  @Option(names = {"-c", "--conf"}, paramLabel = "KEY=VALUE",
      description = "Spark setting, applied after spec.sparkConf. Repeatable.")
  Map<String, String> conf = new LinkedHashMap<>();
}
