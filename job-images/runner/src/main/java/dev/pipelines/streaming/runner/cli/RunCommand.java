package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.fence.CheckpointLease;
import dev.pipelines.streaming.runner.fence.CommitFence;
import dev.pipelines.streaming.runner.fence.FencedCheckpointFileManager;
import dev.pipelines.streaming.runner.plan.LiveSources;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.run.CheckpointGuard;
import dev.pipelines.streaming.runner.run.CheckpointLayout;
import dev.pipelines.streaming.runner.run.GracefulShutdown;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import dev.pipelines.streaming.runner.control.ControlServer;
import dev.pipelines.streaming.runner.control.ControlToken;
import dev.pipelines.streaming.runner.control.ExecutorScaler;
import dev.pipelines.streaming.runner.control.BatchTasks;
import dev.pipelines.streaming.runner.control.ProgressReader;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
        "Each query records the spec that writes it in <checkpoint-root>/<pipeline>/<sink>/spo-query.json; a spec"
            + " that cannot resume a query's checkpoint (Spark's recovery rules) is refused before anything starts"
            + " (exit 3).",
        "Ctrl-C (or SIGTERM) stops each query after its current batch (exit 0)."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {ExitCodes.OK_HELP, ExitCodes.QUERY_FAILED_HELP, ExitCodes.INVALID_HELP,
        ExitCodes.INCOMPATIBLE_CHECKPOINT_HELP, ExitCodes.LEASE_LOST_HELP})
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The StreamingPipeline YAML or JSON file.")
  Path file;

  @Mixin SparkOptions spark;

  @Option(names = "--checkpoint-root", defaultValue = "${env:SPO_CHECKPOINT_ROOT:-" + CheckpointLayout.DEFAULT_ROOT + "}",
      description = "Directory or URI (s3a://, hdfs://) under which checkpoints live (default: ${DEFAULT-VALUE}).")
  String checkpointRoot;

  @Option(names = "--control-port", defaultValue = "${env:SPO_CONTROL_PORT:-0}",
      description = "Serve /progress, /metrics and /control on this port (0: off). Needs env SPO_CONTROL_TOKEN, or SPO_CONTROL_TOKEN_FILE naming a file (re-read when a caller's token differs).")
  int controlPort;

  @Option(names = "--reset-checkpoint",
      description = "Start fresh on purpose: move <checkpoint-root>/<pipeline> aside (renamed with a UTC time"
          + " suffix, never deleted) and start new checkpoints.")
  boolean resetCheckpoint;

  @Option(names = "--adopt-checkpoint",
      description = "For a checkpoint without a recorded spec (written by an older runner): record this spec"
          + " as the one that wrote it, and run.")
  boolean adoptCheckpoint;

  @Option(names = "--stop-timeout", defaultValue = "60s",
      description = "How long a graceful stop waits for running batches (default: ${DEFAULT-VALUE}).")
  String stopTimeout;

  @Option(names = "--lease", paramLabel = "NAMESPACE/NAME", defaultValue = "${env:SPO_LEASE:-}",
      description = {"Hold this coordination.k8s.io Lease while running and commit only while holding it:"
          + " a second driver on the same checkpoint waits until it is released (graceful stop) or expires"
          + " (15 s after a killed driver's last renewal); a driver that loses it commits nothing more (exit 4).",
          "Uses the in-cluster service account, else the kubeconfig. The operator passes it to every driver."})
  String lease;

  @Option(names = "--lease-holder", defaultValue = "${env:HOSTNAME:-}",
      description = "This driver's name in the Lease (default: env HOSTNAME, the pod name on Kubernetes).")
  String leaseHolder;

  /** What the pod's termination message will say; set by {@link #call}. */
  private TerminationMessage message;

  @Override
  public Integer call() throws IOException {
    message = new TerminationMessage(spec.commandLine().getErr());
    int exit = run(message.writer());
    if (exit == ExitCodes.INVALID || exit == ExitCodes.INCOMPATIBLE_CHECKPOINT || exit == ExitCodes.QUERY_FAILED
        || exit == ExitCodes.LEASE_LOST) {
      message.publish();
    }
    return exit;
  }

  private int run(PrintWriter err) throws IOException {
    Duration timeout = Durations.parse(stopTimeout).orElse(null);
    if (timeout == null) {
      err.println("--stop-timeout: '" + stopTimeout + "' is not a duration (" + Durations.FORMAT_HINT + ")");
      return ExitCodes.INVALID;
    }
    if (resetCheckpoint && adoptCheckpoint) {
      err.println("--reset-checkpoint and --adopt-checkpoint: choose one");
      return ExitCodes.INVALID;
    }
    StreamingPipeline pipeline = PipelineFiles.loadOrReport(file, err);
    if (pipeline == null) {
      return ExitCodes.INVALID;
    }
    LeaseName leaseName = LeaseName.parse(lease, err);
    if (leaseName == LeaseName.INVALID) {
      return ExitCodes.INVALID;
    }
    // Stop handling before anything slow (the Lease, Spark): a stop during start-up exits 0
    GracefulShutdown shutdown = new GracefulShutdown(List.of(), timeout, System.err);
    shutdown.install();
    System.err.println("[" + pipeline.name() + "] starting; Ctrl-C or SIGTERM stops it (the running batch finishes first)");
    if (leaseName == null) {
      return runPipeline(pipeline, null, err, shutdown);
    }
    List<StreamingQuery> running = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (KubernetesClient client = new KubernetesClientBuilder().build();
        CheckpointLease held = CheckpointLease.start(client, leaseName.namespace(), leaseName.name(), holder(),
            () -> running.forEach(PipelineRunner::stopNow), err)) {
      // Never cleared: once the Lease is released or lost, every later commit in this JVM is
      // refused, whatever is still running (a query a failed start left behind, a shutdown hook).
      CommitFence.install(held);
      int exit = runPipeline(pipeline, new Fencing(held, running), err, shutdown);
      if (held.lost()) {
        message.failure("[lease] " + held.lostBecause()); // the pod's status then says to whom
        return ExitCodes.LEASE_LOST;
      }
      return exit;
    }
  }

  /** The Lease and the queries to stop when it is lost. */
  private record Fencing(CheckpointLease lease, List<StreamingQuery> running) {}

  private String holder() {
    return leaseHolder == null || leaseHolder.isBlank()
        ? "spo-" + ProcessHandle.current().pid() : leaseHolder;
  }

  private int runPipeline(StreamingPipeline pipeline, Fencing fencing, PrintWriter err, GracefulShutdown shutdown)
      throws IOException {
    SparkSession session = SparkSessionFactory.create(pipeline, spark.effectiveMaster(), spark.conf);
    SecretResolver secrets = SecretResolver.fromSystemEnvironment();
    PipelineRunner runner = new PipelineRunner(session, new CheckpointLayout(checkpointRoot), secrets, System.err);
    List<StreamingQuery> queries;
    try {
      PlannedPipeline planned = PipelinePlanner.plan(session, pipeline, new LiveSources(session, secrets));
      if (fencing != null && !awaitLease(fencing.lease(), session, shutdown)) {
        return shutdown.requested() ? stoppedDuringStartUp(session, err) : ExitCodes.QUERY_FAILED;
      }
      if (shutdown.requested()) {
        return stoppedDuringStartUp(session, err);
      }
      // Every checkpoint file goes through the runner's manager: fenced under a Lease, and
      // written in place (no rename) on object stores.
      session.conf().set(FencedCheckpointFileManager.CONF, FencedCheckpointFileManager.class.getName());
      Integer refused = guardCheckpoint(pipeline, planned, session, err);
      if (refused != null) {
        session.stop();
        return refused;
      }
      if (shutdown.requested()) {
        return stoppedDuringStartUp(session, err);
      }
      queries = runner.start(planned);
      shutdown.started(queries); // a stop asked while they started: now, after their first batch
      if (fencing != null) {
        fencing.running().addAll(queries);
        if (fencing.lease().lost()) {
          queries.forEach(PipelineRunner::stopNow); // lost while starting: the callback saw none of them
        }
      }
    } catch (PlanningException e) {
      PipelineFiles.report(file, e.problems(), err);
      session.stop();
      return ExitCodes.INVALID;
    } catch (IllegalStateException e) { // a sink's query did not start; the started ones were stopped
      SparkErrors.Verdict verdict = SparkErrors.beforeFirstBatch(e.getCause());
      err.println(file + ": " + e.getMessage());
      if (verdict.hint() != null) {
        err.println(verdict.hint());
      }
      session.stop();
      return verdict.exit();
    }
    ControlServer control = null;
    if (controlPort > 0) {
      ExecutorScaler scaler = new ExecutorScaler(session.sparkContext());
      control = new ControlServer(new InetSocketAddress(controlPort), ControlToken.fromEnvironment(System.getenv()),
          new ProgressReader(session, pipeline.name(), scaler, new BatchTasks(), runner.quality()), scaler, shutdown::stopAll).start();
      err.println("control endpoint on port " + control.port() + ": /progress, /metrics, /control");
    }
    int exit = runner.awaitTermination(queries);
    runner.failure().ifPresent(message::failure);
    if (fencing != null) {
      fencing.lease().close(); // the queries have stopped: the next driver need not wait for the Lease to expire
    }
    shutdown.uninstall();
    if (control != null) {
      control.close();
    }
    if (!shutdown.jvmExiting()) {
      session.stop(); // when the JVM is already exiting, Spark's own shutdown hook stops the session
    }
    return exit;
  }

  /**
   * Waits for the checkpoint Lease before anything touches the checkpoint (the guard may move it
   * aside). False (the session stopped) when interrupted or asked to stop meanwhile.
   */
  private static boolean awaitLease(CheckpointLease lease, SparkSession session, GracefulShutdown shutdown) {
    try {
      if (lease.awaitHeld(shutdown::requested)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    session.stop();
    return false;
  }

  /** A stop (SIGTERM, Ctrl-C) before any query started: a clean exit, nothing committed. */
  private static int stoppedDuringStartUp(SparkSession session, PrintWriter err) {
    err.println("stopped during start-up: no query was started, nothing was committed");
    err.flush();
    session.stop(); // idempotent: awaitLease may have stopped it already
    return ExitCodes.OK;
  }

  /**
   * Runs the checkpoint guard before any query starts: null when the pipeline may start,
   * else the exit code after printing why (3: refused; 1: the checkpoint storage failed,
   * which a retry may fix).
   */
  private Integer guardCheckpoint(StreamingPipeline pipeline, PlannedPipeline planned, SparkSession session,
      PrintWriter err) {
    CheckpointGuard.Outcome guard;
    Map<String, Dataset<Row>> queries = new java.util.HashMap<>();
    planned.sinks().forEach((sink, rows) -> queries.put(sink.name(), rows));
    try {
      guard = new CheckpointGuard(new CheckpointLayout(checkpointRoot), session.sparkContext().hadoopConfiguration(),
          Clock.systemUTC()).open(pipeline, start(), queries);
    } catch (IOException e) {
      err.println(file + ": cannot read or record the checkpoint under " + checkpointRoot + ": " + e);
      err.flush();
      return ExitCodes.QUERY_FAILED;
    }
    guard.notes().forEach(err::println);
    if (guard.refused()) {
      err.println(file + ": " + guard.refusal().get(0));
      guard.refusal().stream().skip(1).forEach(err::println);
    }
    err.flush();
    return guard.refused() ? ExitCodes.INCOMPATIBLE_CHECKPOINT : null;
  }

  private CheckpointGuard.Start start() {
    if (resetCheckpoint) {
      return CheckpointGuard.Start.RESET;
    }
    return adoptCheckpoint ? CheckpointGuard.Start.ADOPT : CheckpointGuard.Start.RESUME;
  }
}
