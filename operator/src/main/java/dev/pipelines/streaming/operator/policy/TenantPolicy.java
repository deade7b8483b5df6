package dev.pipelines.streaming.operator.policy;

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
 * ValidatingAdmissionPolicy (its parameters are the same values), so a driver whose author
 * chose its code cannot widen it either. docs/operator.md#tenant-policy
 *
 * @param runnerImage the image pipelines get when they set no {@code spec.image}; always allowed
 * @param allowedImages further images: exact references, or prefixes ending in {@code /}
 *     (a registry or repository)
 * @param operatorNamespace the namespace the operator runs in, or null when unknown (run outside
 *     a cluster): pipelines there are refused unless {@code allowOperatorNamespace}, because a
 *     driver there could start a pod under the operator's ServiceAccount
 */
public record TenantPolicy(String runnerImage, List<String> allowedImages, String operatorNamespace,
    boolean allowOperatorNamespace) {
  /** Condition reason of a pipeline the policy refuses. */
  public static final String NOT_ALLOWED = "NotAllowed";

  public TenantPolicy {
    Objects.requireNonNull(runnerImage, "runnerImage");
    allowedImages = allowedImages == null ? List.of()
        : allowedImages.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    operatorNamespace = operatorNamespace == null || operatorNamespace.isBlank() ? null : operatorNamespace;
  }

  /** Only the runner image, pipelines anywhere but {@code operatorNamespace}. */
  public static TenantPolicy defaults(String runnerImage, String operatorNamespace) {
    return new TenantPolicy(runnerImage, List.of(), operatorNamespace, false);
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
    return refused;
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
