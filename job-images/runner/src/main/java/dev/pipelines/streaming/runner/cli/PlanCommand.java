package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.compat.UpgradeDecision;
import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.api.upgrade.StartPlan;
import dev.pipelines.streaming.api.upgrade.UpgradePlanner;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spo plan}: before applying a spec, says whether it can resume the checkpoint of the spec
 * that ran before, naming every incompatible field, and what the operator will do on apply. The
 * same rule as the operator ({@link UpgradeDecision}) and as {@code spo run}'s checkpoint guard.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
    description = {
        "Says whether NEW can resume the checkpoint of OLD (the spec that ran before), naming every",
        "incompatible field, and what the operator does when NEW is applied: a graceful restart on the same",
        "checkpoint, a refusal, or a new checkpoint epoch (spec.upgrade.onIncompatibleChange).",
        "With --from-cluster, OLD is the spec the operator last handed to a driver (ConfigMap <name>-spec),",
        "read through your kubeconfig."},
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
      return report(out, newFile, files.get(0) + "'s checkpoint", decision);
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
    if (record.state() == CheckpointRecord.State.PRESENT && record.epoch() != null && record.epoch() < statusEpoch) {
      out.printf("%s: checkpoint epoch %d of %s/%s is new (a reset); no spec has run on it yet.%n", newFile, statusEpoch,
          ns, desired.name());
    } else if (record.state() == CheckpointRecord.State.PRESENT) {
      UpgradeDecision decision = UpgradeDecision.decide(record.spec(), desired);
      if (decision.outcome() == UpgradeDecision.Outcome.RESUME) {
        out.printf("%s: resumes %s.%n", newFile, against);
      } else {
        out.printf("%s: cannot resume %s:%n", newFile, against);
        decision.report().incompatibilities().forEach(i -> out.println("  " + i));
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

  private static int report(PrintWriter out, Path newFile, String checkpoint, UpgradeDecision decision) {
    if (decision.outcome() == UpgradeDecision.Outcome.RESUME) {
      out.printf("%s: resumes %s.%n", newFile, checkpoint);
      out.println("On apply: the running driver stops after its current batch and the new spec starts on the same "
          + "checkpoint (state and source positions kept).");
      return ExitCodes.OK;
    }
    out.printf("%s: cannot resume %s:%n", newFile, checkpoint);
    decision.report().incompatibilities().forEach(i -> out.println("  " + i));
    out.println(switch (decision.outcome()) {
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
