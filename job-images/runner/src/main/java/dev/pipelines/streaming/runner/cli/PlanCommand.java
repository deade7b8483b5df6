package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.compat.UpgradeDecision;
import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.api.upgrade.StartPlan;
import dev.pipelines.streaming.api.upgrade.UpgradePlanner;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.StandInSources;
import dev.pipelines.streaming.runner.run.SourceReads;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spo plan}: before applying a spec, says whether it can resume the checkpoint of the spec
 * that ran before, naming every incompatible field, and what the operator will do on apply. The
 * same rule as the operator ({@link UpgradeDecision}) and as {@code spo run}'s checkpoint guard,
 * including the guard's count of streaming sources in each sink's Spark plan ({@link SourceReads}),
 * which no comparison of YAML can make.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {
        "Says whether NEW can resume the checkpoint of OLD (the spec that ran before), naming every",
        "incompatible field, and what the operator does when NEW is applied: a graceful restart on the same",
        "checkpoint, a refusal, or a new checkpoint epoch (spec.upgrade.onIncompatibleChange).",
        "With --from-cluster, OLD is the spec the operator last handed to a driver (ConfigMap <name>-spec),",
        "read through your kubeconfig.",
        "Both specs are planned by Spark (sources stand in by their declared schema) to compare the",
        "streaming sources each sink's query reads, as spo run does against the checkpoint."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:NEW resumes the checkpoint (or nothing has run yet)",
        "2:a file is invalid, or the command line is wrong",
        "3:NEW cannot resume the checkpoint (the operator refuses it, or starts a new epoch: state starts over)",
        "1:the cluster could not be read"},
    footerHeading = "%nExamples:%n",
    footer = {"  spo plan pipeline.yaml pipeline-v2.yaml",
        "  spo plan pipeline-v2.yaml --from-cluster --namespace analytics"})
public final class PlanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..2", description = "OLD NEW, or NEW with --from-cluster.")
  List<Path> files;

  @Option(names = "--from-cluster", description = "Compare NEW with the spec that last ran in the cluster.")
  boolean fromCluster;

  @Option(names = {"-n", "--namespace"},
      description = "With --from-cluster: the pipeline's namespace (default: NEW's metadata.namespace, else the kubeconfig's).")
  String namespace;

  @Option(names = "--spec-only",
      description = "Compare the specs only: skip planning them with Spark (faster; a change in how many times a query "
          + "reads its sources, e.g. a union in a sql step, is then not seen).")
  boolean specOnly;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (fromCluster != (files.size() == 1)) {
      err.println(fromCluster ? "with --from-cluster, give only NEW" : "give OLD and NEW, or NEW with --from-cluster");
      return ExitCodes.INVALID;
    }
    Path newFile = files.get(files.size() - 1);
    StreamingPipeline desired = PipelineFiles.loadOrReport(newFile, err);
    if (desired == null) {
      return ExitCodes.INVALID;
    }
    if (!fromCluster) {
      // Read as the operator reads its record: leniently (a spec that newer rules refuse still ran).
      LoadResult oldFile = PipelineLoader.load(files.get(0));
      StreamingPipeline old = oldFile.pipeline();
      if (old == null || old.spec() == null) {
        PipelineFiles.report(files.get(0), oldFile.problems(), err);
        return ExitCodes.INVALID;
      }
      if (!desired.name().equals(old.name())) {
        out.printf("%s: pipeline '%s' is not '%s' of %s: another name is another checkpoint, nothing to resume%n",
            newFile, desired.name(), old.name(), files.get(0));
        return ExitCodes.INCOMPATIBLE_CHECKPOINT;
      }
      UpgradeDecision decision;
      try {
        decision = UpgradeDecision.decide(old, desired);
      } catch (RuntimeException broken) { // OLD is read leniently: a spec too broken to compare
        err.printf("%s: cannot be compared (%s)%n", files.get(0), broken);
        return ExitCodes.INVALID;
      }
      return report(out, newFile, files.get(0) + "'s checkpoint", decision, sourceReadChanges(old, desired, err));
    }
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      return fromCluster(client, desired, newFile, out, err);
    } catch (KubernetesClientException e) {
      err.println("cannot read the cluster: " + e.getMessage());
      return ExitCodes.QUERY_FAILED;
    }
  }

  /**
   * The operator's own decision ({@link UpgradePlanner}) from what it reads: the spec record
   * ({@code <name>-spec}), the checkpoint epoch in status, and whether a driver ever ran (status,
   * or a driver pod when you may list pods).
   */
  private int fromCluster(KubernetesClient client, StreamingPipeline desired, Path newFile, PrintWriter out, PrintWriter err) {
    String ns = namespace != null ? namespace
        : desired.metadata().namespace() != null ? desired.metadata().namespace()
        : client.getNamespace() != null ? client.getNamespace() : "default";
    String configMap = SpecRecordNames.configMap(desired.name());
    ConfigMap cm = client.configMaps().inNamespace(ns).withName(configMap).get();
    CheckpointRecord record = cm == null ? CheckpointRecord.MISSING
        : CheckpointRecord.fromConfigMap(cm.getMetadata().getAnnotations(), cm.getData());
    GenericKubernetesResource live = client.genericKubernetesResources(STREAMING_PIPELINES).inNamespace(ns)
        .withName(desired.name()).get();
    Map<?, ?> status = live != null && live.getAdditionalProperties().get("status") instanceof Map<?, ?> m ? m : Map.of();
    Map<?, ?> checkpoint = status.get("checkpoint") instanceof Map<?, ?> m ? m : Map.of();
    boolean driverRan = status.get("driver") != null || driverPodExists(client, ns, desired.name(), err);
    int statusEpoch = checkpoint.get("epoch") instanceof Number n ? n.intValue() : 0;
    long generation = live == null || live.getMetadata().getGeneration() == null ? 1 : live.getMetadata().getGeneration() + 1;
    String location = checkpoint.get("location") instanceof String l ? l : "(not started yet)";

    String against = "the checkpoint of the spec that last ran (ConfigMap " + ns + "/" + configMap + ")";
    List<String> sourceReads = List.of();
    if (record.state() == CheckpointRecord.State.PRESENT && record.epoch() != null && record.epoch() < statusEpoch) {
      out.printf("%s: checkpoint epoch %d of %s/%s is a pending reset: no driver has started there yet, so a spec that"
          + " can resume epoch %d withdraws it.%n", newFile, statusEpoch, ns, desired.name(), record.epoch());
    } else if (record.state() == CheckpointRecord.State.PRESENT) {
      UpgradeDecision decision = UpgradeDecision.decide(record.queries(), desired);
      sourceReads = sourceReadChanges(record.spec(), desired, err);
      if (decision.outcome() == UpgradeDecision.Outcome.RESUME && sourceReads.isEmpty()) {
        out.printf("%s: resumes %s.%n", newFile, against);
      } else {
        out.printf("%s: cannot resume %s:%n", newFile, against);
        decision.report().incompatibilities().forEach(i -> out.println("  " + i));
        sourceReads.forEach(line -> out.println("  " + line));
      }
    } else if (driverRan) {
      out.printf("%s: a driver of %s/%s ran, but the spec it ran (ConfigMap %s/%s) is %s.%n", newFile, ns,
          desired.name(), ns, configMap, record.state() == CheckpointRecord.State.MISSING ? "gone" : "unreadable");
    } else {
      out.printf("%s: nothing has run for %s/%s yet.%n", newFile, ns, desired.name());
    }
    StartPlan plan = new UpgradePlanner().plan(desired, generation, record, statusEpoch, driverRan, location);
    if (plan instanceof StartPlan.Refuse refuse) {
      out.printf("On apply: the operator starts nothing (Ready=False, reason %s): %s%n", refuse.reason(), refuse.message());
      return ExitCodes.INCOMPATIBLE_CHECKPOINT;
    }
    StartPlan.Start start = (StartPlan.Start) plan;
    if (!start.reset() && !sourceReads.isEmpty()) {
      out.println(driverRefuses(driverRan));
      return ExitCodes.INCOMPATIBLE_CHECKPOINT;
    }
    out.printf("On apply: %sthe operator starts it %s.%n",
        driverRan ? "a running driver stops after its current batch, then " : "", start.note());
    return start.reset() ? ExitCodes.INCOMPATIBLE_CHECKPOINT : ExitCodes.OK;
  }

  private static final ResourceDefinitionContext STREAMING_PIPELINES = new ResourceDefinitionContext.Builder()
      .withGroup("streaming.pipelines.dev").withVersion("v1alpha1").withKind("StreamingPipeline")
      .withPlural("streamingpipelines").withNamespaced(true).build();

  /** Whether a driver pod of the pipeline exists; false, with a note, when you may not list pods. */
  private static boolean driverPodExists(KubernetesClient client, String ns, String name, PrintWriter err) {
    try {
      return !client.pods().inNamespace(ns).withLabel("streaming.pipelines.dev/pipeline", name)
          .withLabel("spark-role", "driver").list().getItems().isEmpty();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 403) {
        throw e;
      }
      err.printf("note: you may not list pods in %s; whether a driver ran is taken from the pipeline's status only%n", ns);
      return false;
    }
  }

  /**
   * A line per sink both specs run whose query reads another number of streaming sources in NEW's
   * Spark plan than in OLD's (what OLD's checkpoint then holds): {@code spo run}'s refusal lines.
   * Empty with {@code --spec-only}, or, with a note, when a spec cannot be planned here (e.g. a
   * jdbc table this machine cannot reach).
   */
  private List<String> sourceReadChanges(StreamingPipeline old, StreamingPipeline desired, PrintWriter err) {
    if (specOnly) {
      return List.of();
    }
    SparkSession session = SparkSessionFactory.create(null, "local[1]", Map.of());
    try {
      Map<String, Integer> before = SourceReads.perSink(PipelinePlanner.plan(session, old, new StandInSources(session)).sinks());
      Map<String, Integer> after = SourceReads.perSink(
          PipelinePlanner.plan(session, desired, new StandInSources(session)).sinks());
      List<String> changes = new ArrayList<>();
      List<SinkSpec> sinks = desired.spec().sinksOrEmpty();
      for (int i = 0; i < sinks.size(); i++) {
        Integer held = before.get(sinks.get(i).name());
        Integer reads = after.get(sinks.get(i).name());
        if (held != null && reads != null && !held.equals(reads)) {
          changes.add(SourceReads.mismatch(i, sinks.get(i).name(), reads, held));
        }
      }
      return changes;
    } catch (RuntimeException e) { // planning needs what StandInSources reads (a jdbc table's columns)
      err.println("note: the specs could not be planned by Spark here, so the streaming sources each query reads were"
          + " not compared (spo run still compares them with the checkpoint): " + e.getMessage());
      return List.of();
    } finally {
      session.stop();
    }
  }

  /** What apply does when the specs agree but the plans do not: the operator compares specs, the driver plans. */
  private static String driverRefuses(boolean driverRunning) {
    return "On apply: the operator sees no incompatible field, so " + (driverRunning
        ? "a running driver stops after its current batch, then " : "") + "the new driver refuses the checkpoint "
        + "(exit 3; Ready=False, reason IncompatibleCheckpoint) and nothing runs until the change is undone or the "
        + "pipeline starts over in a new checkpoint.";
  }

  private static int report(PrintWriter out, Path newFile, String checkpoint, UpgradeDecision decision,
      List<String> sourceReads) {
    if (decision.outcome() == UpgradeDecision.Outcome.RESUME && sourceReads.isEmpty()) {
      out.printf("%s: resumes %s.%n", newFile, checkpoint);
      out.println("On apply: the running driver stops after its current batch and the new spec starts on the same "
          + "checkpoint (state and source positions kept).");
      return ExitCodes.OK;
    }
    out.printf("%s: cannot resume %s:%n", newFile, checkpoint);
    decision.report().incompatibilities().forEach(i -> out.println("  " + i));
    sourceReads.forEach(line -> out.println("  " + line));
    out.println(switch (decision.outcome()) {
      case RESUME -> driverRefuses(true);
      case RESET -> "On apply: the operator starts it in a new checkpoint epoch (spec.upgrade.onIncompatibleChange: "
          + "resetCheckpoint): state and source positions start over (Kafka from startingOffsets); the old checkpoint "
          + "is kept.";
      case REFUSE_REUSED_OUTPUT_PATH -> "On apply: the operator starts nothing (reason ResetNeedsNewOutputPath): a "
          + "new checkpoint restarts Spark's batch ids at 0, and the files sink would skip them as already written; "
          + "give " + String.join(", ", decision.reusedOutputPaths()) + " a new path.";
      default -> "On apply: the operator starts nothing (reason IncompatibleChange); a running driver keeps running "
          + "the old spec. To start over instead, set spec.upgrade.onIncompatibleChange: resetCheckpoint.";
    });
    return ExitCodes.INCOMPATIBLE_CHECKPOINT;
  }
}
