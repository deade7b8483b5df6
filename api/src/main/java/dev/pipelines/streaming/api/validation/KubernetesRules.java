package dev.pipelines.streaming.api.validation;

import dev.pipelines.streaming.api.model.AutoscalingSpec;
import dev.pipelines.streaming.api.model.CheckpointSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.ResourcesSpec;
import dev.pipelines.streaming.api.model.RestartPolicySpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** What a pipeline needs to run on Kubernetes, on top of {@link PipelineValidator}. */
public final class KubernetesRules {
  private static final Pattern SPARK_MEMORY = Pattern.compile("\\d+[kmgtKMGT]?");
  private static final Pattern QUANTITY = Pattern.compile("\\d+(\\.\\d+)?(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?");
  private static final Set<String> ACCESS_MODES = Set.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");

  private KubernetesRules() {}

  /** Every problem of the pipeline, for running it on Kubernetes. */
  public static List<Problem> validate(StreamingPipeline pipeline) {
    List<Problem> problems = new ArrayList<>(PipelineValidator.validate(pipeline));
    if (pipeline.spec() == null) {
      return problems;
    }
    PipelineSpec spec = pipeline.spec();
    checkCheckpoint(spec.checkpoint(), problems);
    checkResources(spec.driver(), "spec.driver", false, problems);
    checkResources(spec.executor(), "spec.executor", true, problems);
    checkRestartPolicy(spec.restartPolicyOrDefault(), problems);
    if (Durations.parse(spec.upgradeOrDefault().stopTimeoutOrDefault()).isEmpty()) {
      problems.add(Problem.at("spec.upgrade.stopTimeout", "'" + spec.upgrade().stopTimeout() + "' is not a duration",
          Durations.FORMAT_HINT));
    }
    checkAutoscaling(spec.autoscaling(), problems);
    problems.addAll(RealTimeRules.checkKubernetes(spec));
    if (spec.podTemplates() != null) {
      problems.addAll(PodTemplateRules.check(spec.podTemplates().driver(), "spec.podTemplates.driver"));
      problems.addAll(PodTemplateRules.check(spec.podTemplates().executor(), "spec.podTemplates.executor"));
    }
    if (spec.image() != null && spec.image().isBlank()) {
      problems.add(Problem.at("spec.image", "must not be empty", "remove it to use the operator's runner image"));
    }
    return problems;
  }

  private static void checkCheckpoint(CheckpointSpec c, List<Problem> problems) {
    if (c == null || (c.location() == null && c.pvc() == null)) {
      problems.add(Problem.at("spec.checkpoint", "required on Kubernetes",
          "location: s3a://bucket/checkpoints, or pvc: {} for a volume the operator creates"));
      return;
    }
    if (c.location() != null && c.pvc() != null) {
      problems.add(Problem.at("spec.checkpoint", "set location or pvc, not both"));
    }
    if (c.location() != null) {
      URI uri;
      try {
        uri = URI.create(c.location());
      } catch (IllegalArgumentException e) {
        uri = null;
      }
      if (uri == null || uri.getScheme() == null || uri.getScheme().equals("file")) {
        problems.add(Problem.at("spec.checkpoint.location", "'" + c.location() + "' is not a shared location",
            "every pod must reach it: s3a://, gs://, abfss://, hdfs://; for a volume use pvc"));
      }
    }
    if (c.pvc() != null) {
      if (c.pvc().size() != null && !QUANTITY.matcher(c.pvc().size()).matches()) {
        problems.add(Problem.at("spec.checkpoint.pvc.size", "'" + c.pvc().size() + "' is not a Kubernetes quantity", "e.g. 10Gi"));
      }
      List<String> modes = c.pvc().accessModesOrDefault();
      for (int i = 0; i < modes.size(); i++) {
        if (!ACCESS_MODES.contains(modes.get(i))) {
          problems.add(Problem.at("spec.checkpoint.pvc.accessModes[" + i + "]", "unknown value '" + modes.get(i) + "'",
              Suggestions.hint(modes.get(i), ACCESS_MODES.stream().sorted().toList())));
        }
      }
    }
  }

  private static void checkResources(ResourcesSpec r, String path, boolean executor, List<Problem> problems) {
    if (r == null) {
      return;
    }
    if (r.cores() != null && r.cores() < 1) {
      problems.add(Problem.at(path + ".cores", "must be at least 1, got " + r.cores()));
    }
    if (r.memory() != null && !SPARK_MEMORY.matcher(r.memory()).matches()) {
      problems.add(Problem.at(path + ".memory", "'" + r.memory() + "' is not a Spark memory size", "e.g. 512m, 2g"));
    }
    if (r.instances() != null && !executor) {
      problems.add(Problem.at(path + ".instances", "there is one driver", "set spec.executor.instances instead"));
    } else if (r.instances() != null && r.instances() < 0) {
      problems.add(Problem.at(path + ".instances", "must be at least 0, got " + r.instances()));
    }
  }

  private static void checkRestartPolicy(RestartPolicySpec p, List<Problem> problems) {
    if (p.maxRestarts() != null && p.maxRestarts() < 0) {
      problems.add(Problem.at("spec.restartPolicy.maxRestarts", "must be at least 0, got " + p.maxRestarts()));
    }
    check(p.initialBackoffOrDefault(), "spec.restartPolicy.initialBackoff", problems);
    check(p.maxBackoffOrDefault(), "spec.restartPolicy.maxBackoff", problems);
    check(p.resetAfterOrDefault(), "spec.restartPolicy.resetAfter", problems);
    check(p.startTimeoutOrDefault(), "spec.restartPolicy.startTimeout", problems);
  }

  private static void checkAutoscaling(AutoscalingSpec a, List<Problem> problems) {
    if (a == null) {
      return;
    }
    String p = "spec.autoscaling";
    if (a.maxExecutors() == null) {
      problems.add(Problem.at(p + ".maxExecutors", "required", "the most executors the pipeline may use"));
    } else if (a.maxExecutors() < 1) {
      problems.add(Problem.at(p + ".maxExecutors", "must be at least 1, got " + a.maxExecutors()));
    } else if (a.maxExecutors() < a.minExecutorsOrDefault()) {
      problems.add(Problem.at(p + ".maxExecutors", "must be at least minExecutors (" + a.minExecutorsOrDefault() + ")"));
    }
    if (a.minExecutors() != null && a.minExecutors() < 0) {
      problems.add(Problem.at(p + ".minExecutors", "must be at least 0, got " + a.minExecutors()));
    }
    double u = a.targetUtilizationOrDefault();
    if (u <= 0 || u > 1) {
      problems.add(Problem.at(p + ".targetUtilization", "must be in (0, 1], got " + u));
    }
    double down = a.maxScaleDownFactorOrDefault();
    if (down <= 0 || down > 1) {
      problems.add(Problem.at(p + ".maxScaleDownFactor", "must be in (0, 1], got " + down,
          "0.5 removes at most half of the executors per scale-down"));
    }
    positive(a.catchUpDurationOrDefault(), p + ".catchUpDuration", problems);
    check(a.scaleUpStabilizationOrDefault(), p + ".scaleUpStabilization", problems);
    check(a.scaleDownStabilizationOrDefault(), p + ".scaleDownStabilization", problems);
    positive(a.metricsWindowOrDefault(), p + ".metricsWindow", problems);
  }

  /** A duration the autoscaler divides by or averages over: must be more than zero. */
  private static void positive(String duration, String path, List<Problem> problems) {
    check(duration, path, problems);
    Durations.parse(duration).filter(d -> d.isZero() || d.isNegative())
        .ifPresent(d -> problems.add(Problem.at(path, "must be more than 0, got '" + duration + "'")));
  }

  private static void check(String duration, String path, List<Problem> problems) {
    if (Durations.parse(duration).isEmpty()) {
      problems.add(Problem.at(path, "'" + duration + "' is not a duration", Durations.FORMAT_HINT));
    }
  }
}
