package dev.pipelines.streaming.runner;

import dev.pipelines.streaming.runner.cli.ExplainCommand;
import dev.pipelines.streaming.runner.cli.PlanCommand;
import dev.pipelines.streaming.runner.cli.PreviewCommand;
import dev.pipelines.streaming.runner.cli.TestCommand;
import dev.pipelines.streaming.runner.cli.RunCommand;
import dev.pipelines.streaming.runner.cli.ValidateCommand;
import dev.pipelines.streaming.runner.run.SparkErrorLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code spo}: run, validate and explain StreamingPipeline files. */
@Command(
    name = "spo",
    mixinStandardHelpOptions = true,
    versionProvider = RunnerCli.Version.class,
    description = "Runs StreamingPipeline files on Spark Structured Streaming, locally or as a Kubernetes driver.",
    subcommands = {RunCommand.class, ValidateCommand.class, ExplainCommand.class, PlanCommand.class, PreviewCommand.class, TestCommand.class,
        CommandLine.HelpCommand.class},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {ExitCodes.OK_HELP, ExitCodes.QUERY_FAILED_HELP, ExitCodes.INVALID_HELP,
        ExitCodes.INCOMPATIBLE_CHECKPOINT_HELP},
    footerHeading = "%nExamples:%n",
    footer = {
        "  spo run examples/clickstream-sliding-window.yaml",
        "  spo validate examples/*.yaml",
        "  spo explain examples/kafka-tumbling-window-to-kafka.yaml",
        "  spo plan pipeline.yaml pipeline-v2.yaml",
        "  spo preview examples/clickstream-sliding-window.yaml --rows 5",
        "  spo test examples/clickstream-chained-windows.yaml examples/tests/clickstream-chained-windows.test.yaml",
        "",
        "On Kubernetes (bin/spo runs it with the operator's classes; see spo why --help):",
        "  spo why clicks -n streaming [--output why-clicks/]"})
public final class RunnerCli {

  public static void main(String[] args) {
    SparkErrorLog.choose(); // before anything logs: log4j2.properties names the file from it
    System.exit(commandLine().execute(args));
  }

  public static CommandLine commandLine() {
    return new CommandLine(new RunnerCli()).setCaseInsensitiveEnumValuesAllowed(true);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = RunnerCli.class.getPackage().getImplementationVersion();
      return new String[] {"spo " + (v == null ? "development build" : v)
          + " (Spark " + org.apache.spark.package$.MODULE$.SPARK_VERSION() + ")"};
    }
  }
}
