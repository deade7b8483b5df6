package dev.pipelines.streaming.operator.policy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.ResourcesSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.PodTemplateRules;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.api.validation.SecretReferences;
import dev.pipelines.streaming.operator.driver.DriverNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * @param allowCustomClaims whether {@code spec.checkpoint.pvc.claimName} may name a claim other than
 *     the pipeline's own {@code <name>-checkpoints} (another pipeline's checkpoint could be mounted)
 * @param limits the most a pipeline may ask for ({@link Limits#NONE}: no limit)
 * @param deniedEndpoints hosts no source or sink may name (null: {@link DeniedEndpoints#builtIn})
 * @param admissionPolicy whether the chart's admission policy holds drivers: an executor template
 *     it would refuse is then refused here, before a driver starts that could run no executor
 */
public record TenantPolicy(String runnerImage, List<String> allowedImages, String operatorNamespace,
    boolean allowOperatorNamespace, boolean allowCustomClaims, Limits limits, DeniedEndpoints deniedEndpoints,
    boolean admissionPolicy) {
  /**
   * The largest executor count (fixed, or autoscaling's maximum), cores and memory per pod
   * (driver or executor) a pipeline may ask for; null: no limit. Memory in Spark's format and
   * units ({@code 4g}, {@code 512m}; no unit is MiB, as for {@code spark.executor.memory}).
   * These bound what the spec asks the operator for; what a driver's own code could start is
   * bounded only by a ResourceQuota the admin adds (docs/operator.md#tenant-policy).
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
    deniedEndpoints = deniedEndpoints == null ? DeniedEndpoints.builtIn(operatorNamespace) : deniedEndpoints;
  }

  /** Only the runner image, pipelines anywhere but {@code operatorNamespace}. */
  public static TenantPolicy defaults(String runnerImage, String operatorNamespace) {
    return new TenantPolicy(runnerImage, List.of(), operatorNamespace, false, false, Limits.NONE, null, true);
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
      checkTemplateImages(pipeline.spec(), refused);
      checkSecrets(pipeline.spec(), refused);
      checkClaim(pipeline, refused);
      checkLimits(pipeline.spec(), refused);
      refused.addAll(deniedEndpoints.check(pipeline.spec()));
      if (admissionPolicy) {
        refused.addAll(ExecutorTemplateRules.check(pipeline.spec(), ownClaim(pipeline), allowCustomClaims));
      }
    }
    return refused;
  }

  /** Sidecars and init containers of the pod templates: the operator creates the driver pod itself. */
  private void checkTemplateImages(PipelineSpec spec, List<Problem> refused) {
    if (spec.podTemplates() == null) {
      return;
    }
    Map<String, JsonNode> containers = new LinkedHashMap<>(
        PodTemplateRules.containers(spec.podTemplates().driver(), "spec.podTemplates.driver"));
    containers.putAll(PodTemplateRules.containers(spec.podTemplates().executor(), "spec.podTemplates.executor"));
    containers.forEach((path, container) -> {
      JsonNode image = container.get("image");
      if (image != null && image.isTextual() && !imageAllowed(image.asText())) {
        refused.add(Problem.at(path + ".image", "'" + image.asText() + "' is not an image the operator's tenant policy"
            + " allows", "allowed: " + String.join(", ", images())));
      }
    });
  }

  /** Another pipeline's control token (Secret {@code <name>-control}) would let this one stop or scale it. */
  private static void checkSecrets(PipelineSpec spec, List<Problem> refused) {
    for (SecretReferences.Reference r : SecretReferences.secretKeyRefs(spec)) {
      String name = r.value().secretKeyRef().name();
      if (name != null && name.endsWith(DriverNames.controlSecret(""))) {
        refused.add(Problem.at(r.path() + ".secretKeyRef.name", "'" + name + "': Secrets named *" + DriverNames.controlSecret("")
            + " hold pipelines' control tokens and may not be referenced", "rename the Secret"));
      }
    }
  }

  /** The checkpoint claim the operator creates for this pipeline ({@code <name>-checkpoint}), or null without a name. */
  private static String ownClaim(StreamingPipeline pipeline) {
    return pipeline.metadata() == null ? null : DriverNames.checkpointClaim(pipeline.metadata().name());
  }

  private void checkClaim(StreamingPipeline pipeline, List<Problem> refused) {
    var checkpoint = pipeline.spec().checkpoint();
    String claim = checkpoint == null || checkpoint.pvc() == null ? null : checkpoint.pvc().claimName();
    String own = ownClaim(pipeline);
    if (!allowCustomClaims && claim != null && !claim.equals(own)) {
      refused.add(Problem.at("spec.checkpoint.pvc.claimName", "'" + claim + "' is not this pipeline's own claim (" + own
          + "); it could be another pipeline's checkpoint", "remove claimName for a claim the operator creates, name the"
          + " claim " + own + ", or ask an admin for tenantPolicy.allowCustomClaims"));
    }
  }

  /**
   * Spark settings that change what a pod asks for beyond {@code cores} and {@code memory}; with a
   * limit set they are the admin's, not the author's (else the limit would be one key away).
   */
  static final List<String> CORE_KEYS = List.of("spark.kubernetes.driver.request.cores", "spark.kubernetes.driver.limit.cores",
      "spark.kubernetes.executor.request.cores", "spark.kubernetes.executor.limit.cores");
  static final List<String> MEMORY_KEYS = List.of("spark.driver.memoryOverhead", "spark.executor.memoryOverhead",
      "spark.driver.memoryOverheadFactor", "spark.executor.memoryOverheadFactor", "spark.driver.minMemoryOverhead",
      "spark.executor.minMemoryOverhead", "spark.memory.offHeap.enabled", "spark.memory.offHeap.size",
      "spark.executor.pyspark.memory");

  private void checkLimits(PipelineSpec spec, List<Problem> refused) {
    String ask = "; the operator's tenant policy allows at most ";
    if (limits.maxExecutors() != null) {
      // every count the spec can make Spark start with: instances too when autoscaling is on
      Map<String, Integer> counts = new LinkedHashMap<>();
      counts.put("spec.executor.instances", spec.executor() == null ? 1 : spec.executor().instancesOrDefault());
      if (spec.autoscaling() != null) {
        counts.put("spec.autoscaling.minExecutors", spec.autoscaling().minExecutors());
        counts.put("spec.autoscaling.maxExecutors", spec.autoscaling().maxExecutors());
      }
      counts.forEach((path, count) -> {
        if (count != null && count > limits.maxExecutors()) {
          refused.add(Problem.at(path, count + " executors" + ask + limits.maxExecutors()));
        }
      });
    }
    Map<String, String> conf = spec.sparkConf() == null ? Map.of() : spec.sparkConf();
    List<String> adminKeys = new ArrayList<>();
    if (limits.maxCores() != null) {
      adminKeys.addAll(CORE_KEYS);
    }
    if (limits.maxMemory() != null) {
      adminKeys.addAll(MEMORY_KEYS);
    }
    adminKeys.stream().filter(conf::containsKey).forEach(k -> refused.add(Problem.at("spec.sparkConf[\"" + k + "\"]",
        "changes what a pod asks for, which the operator's tenant policy limits", "remove it; set cores and memory instead")));
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
