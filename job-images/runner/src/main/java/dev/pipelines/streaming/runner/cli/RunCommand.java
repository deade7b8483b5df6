package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.runner.plan.LiveSources;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.run.CheckpointLayout;
import dev.pipelines.streaming.runner.run.GracefulShutdown;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import dev.pipelines.streaming.runner.control.ControlServer;
import dev.pipelines.streaming.runner.control.ExecutorScaler;
import dev.pipelines.streaming.runner.control.ProgressReader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true,
    description = {
        "Runs a pipeline: one streaming query per sink, checkpointed at <checkpoint-root>/<pipeline>/<sink>.",
        "Run it again after a crash and it continues from the last committed batch.",
        "Ctrl-C (or SIGTERM) stops each query after its current batch."})
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The StreamingPipeline YAML or JSON file.")
  Path file;

  @Mixin SparkOptions spark;

  @Option(names = "--checkpoint-root", defaultValue = "${env:SPO_CHECKPOINT_ROOT:-" + CheckpointLayout.DEFAULT_ROOT + "}",
      description = "Directory or URI (s3a://, hdfs://) under which checkpoints live (default: ${DEFAULT-VALUE}).")
  String checkpointRoot;

  @Option(names = "--control-port", defaultValue = "${env:SPO_CONTROL_PORT:-0}",
      description = "Serve /progress, /metrics and /control on this port (0: off). Needs env SPO_CONTROL_TOKEN.")
  int controlPort;

  @Option(names = "--stop-timeout", defaultValue = "60s",
      description = "How long a graceful stop waits for running batches (default: ${DEFAULT-VALUE}).")
  String stopTimeout;

  @Override
  public Integer call() throws IOException {
    var err = spec.commandLine().getErr();
    Duration timeout = Durations.parse(stopTimeout).orElse(null);
    if (timeout == null) {
      err.println("--stop-timeout: '" + stopTimeout + "' is not a duration (" + Durations.FORMAT_HINT + ")");
      return PipelineFiles.INVALID;
    }
    StreamingPipeline pipeline = PipelineFiles.loadOrReport(file, err);
    if (pipeline == null) {
      return PipelineFiles.INVALID;
    }
    SparkSession session = SparkSessionFactory.create(pipeline, spark.effectiveMaster(), spark.conf);
    SecretResolver secrets = SecretResolver.fromSystemEnvironment();
    PipelineRunner runner = new PipelineRunner(session, new CheckpointLayout(checkpointRoot), secrets, System.err);
    List<StreamingQuery> queries;
    try {
      PlannedPipeline planned = PipelinePlanner.plan(session, pipeline, new LiveSources(session, secrets));
      queries = runner.start(planned);
    } catch (PlanningException e) {
      PipelineFiles.report(file, e.problems(), err);
      session.stop();
      return PipelineFiles.INVALID;
    }
    GracefulShutdown shutdown = runner.gracefulShutdown(queries, timeout);
    shutdown.install();
    ControlServer control = null;
    if (controlPort > 0) {
      ExecutorScaler scaler = new ExecutorScaler(session.sparkContext());
      control = new ControlServer(new InetSocketAddress(controlPort), System.getenv("SPO_CONTROL_TOKEN"),
          new ProgressReader(session, pipeline.name(), scaler), scaler, shutdown::stopAll).start();
      err.println("control endpoint on port " + control.port() + ": /progress, /metrics, /control");
    }
    int exit = runner.awaitTermination(queries);
    if (control != null) {
      control.close();
    }
    if (!shutdown.wasRequested()) {
      session.stop(); // on a signal, Spark's own shutdown hook stops the session
    }
    return exit;
  }
}
