package dev.pipelines.streaming.operator.policy;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.ResourcesSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the cluster admin lets pipeline authors ask for, checked before anything is started
 * (the pipeline gets {@code Ready=False, reason=NotAllowed}, the fields named). The author and
 * the admin are different people: a spec may choose an image and a namespace only within
 * what the admin allowed. The API server holds drivers to the same image list by the chart's
 * ValidatingAdmissionPolicy (the chart writes the same values into it), so a driver whose author
 * chose its code cannot widen it either. docs/operator.md#tenant-policy
 *
 * @param runnerImage the image pipelines get when they set no {@code spec.image}; always allowed
 * @param allowedImages further images: exact references, or prefixes ending in {@code /}
 *     (a registry or repository)
 * @param operatorNamespace the namespace the operator runs in, or null when unknown (run outside
 *     a cluster): pipelines there are refused unless {@code allowOperatorNamespace}, because a
 *     driver there could start a pod under the operator's ServiceAccount
 * @param limits the most a pipeline may ask for ({@link Limits#NONE}: no limit)
 */
public record TenantPolicy(String runnerImage, List<String> allowedImages, String operatorNamespace,
    boolean allowOperatorNamespace, Limits limits) {
  /**
   * The largest executor count (fixed, or autoscaling's maximum), cores and memory per pod
   * (driver or executor) a pipeline may ask for; null: no limit. Memory in Spark's format and
   * units ({@code 4g}, {@code 512m}; no unit is MiB, as for {@code spark.executor.memory}).
   * These bound what the spec asks the operator for; what a driver's own code could start is
   * bounded by the namespace's ResourceQuota (docs/operator.md#tenant-policy).
   */
  public record Limits(Integer maxExecutors, Integer maxCores, String maxMemory) {
    public static final Limits NONE = new Limits(null, null, null);

    public Limits {
      if (maxMemory != null && (maxMemory.isBlank() || mebibytes(maxMemory) < 0)) {
        throw new IllegalArgumentException("max memory '" + maxMemory + "' is not in Spark's format (e.g. 4g, 512m)");
      }
    }
  }

  /** Condition reason of a pipeline the policy refuses. */
  public static final String NOT_ALLOWED = "NotAllowed";

  public TenantPolicy {
    Objects.requireNonNull(runnerImage, "runnerImage");
    limits = limits == null ? Limits.NONE : limits;
    allowedImages = allowedImages == null ? List.of()
        : allowedImages.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    operatorNamespace = operatorNamespace == null || operatorNamespace.isBlank() ? null : operatorNamespace;
  }

  /** Only the runner image, pipelines anywhere but {@code operatorNamespace}. */
  public static TenantPolicy defaults(String runnerImage, String operatorNamespace) {
    return new TenantPolicy(runnerImage, List.of(), operatorNamespace, false, Limits.NONE);
  }

  /** What the policy refuses about {@code pipeline} in {@code namespace}; empty when it may run. */
  public List<Problem> check(String namespace, StreamingPipeline pipeline) {
    List<Problem> refused = new ArrayList<>();
    if (!allowOperatorNamespace && namespace != null && namespace.equals(operatorNamespace)) {
      refused.add(Problem.at("metadata.namespace", "the operator runs no pipelines in its own namespace (" + namespace
          + "): a driver there could act as the operator", "create it in a namespace the operator watches"
          + " for pipelines; an admin may allow this with tenantPolicy.allowOperatorNamespace"));
    }
    String image = pipeline.spec() == null ? null : pipeline.spec().image();
    if (image != null && !image.isBlank() && !imageAllowed(image)) {
      refused.add(Problem.at("spec.image", "'" + image + "' is not an image the operator's tenant policy allows",
          "allowed: " + String.join(", ", images()) + "; remove spec.image for the runner image, or ask an admin"
          + " to add it to tenantPolicy.allowedImages"));
    }
    if (pipeline.spec() != null) {
      checkLimits(pipeline.spec(), refused);
    }
    return refused;
  }

  private void checkLimits(PipelineSpec spec, List<Problem> refused) {
    String ask = "; the operator's tenant policy allows at most ";
    if (limits.maxExecutors() != null) {
      int executors = spec.executor() == null ? 1 : spec.executor().instancesOrDefault();
      if (spec.autoscaling() != null && spec.autoscaling().maxExecutors() != null) {
        if (spec.autoscaling().maxExecutors() > limits.maxExecutors()) {
          refused.add(Problem.at("spec.autoscaling.maxExecutors", spec.autoscaling().maxExecutors() + " executors" + ask
              + limits.maxExecutors()));
        }
      } else if (executors > limits.maxExecutors()) {
        refused.add(Problem.at("spec.executor.instances", executors + " executors" + ask + limits.maxExecutors()));
      }
    }
    for (String role : List.of("driver", "executor")) {
      ResourcesSpec r = "driver".equals(role) ? spec.driver() : spec.executor();
      int cores = r == null ? 1 : r.coresOrDefault();
      if (limits.maxCores() != null && cores > limits.maxCores()) {
        refused.add(Problem.at("spec." + role + ".cores", cores + " cores" + ask + limits.maxCores() + " per pod"));
      }
      String memory = r == null ? "1g" : r.memoryOrDefault();
      long mib = mebibytes(memory);
      if (limits.maxMemory() != null && mib >= 0 && mib > mebibytes(limits.maxMemory())) {
        refused.add(Problem.at("spec." + role + ".memory", memory + ask + limits.maxMemory() + " per pod"));
      }
    }
  }

  /** Spark's memory string in MiB ({@code JavaUtils.byteStringAsMb}), or -1 when it is not one. */
  static long mebibytes(String memory) {
    try {
      return org.apache.spark.network.util.JavaUtils.byteStringAsMb(memory);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** Whether {@code image} is the runner image, an allowed image, or under an allowed prefix. */
  public boolean imageAllowed(String image) {
    return images().stream().anyMatch(a -> image.equals(a) || (a.endsWith("/") && image.startsWith(a)));
  }

  /** The runner image, then the further allowed images (the admission policy's {@code allowedImages}). */
  public List<String> images() {
    List<String> all = new ArrayList<>();
    all.add(runnerImage);
    allowedImages.stream().filter(i -> !i.equals(runnerImage)).forEach(all::add);
    return all;
  }
}
