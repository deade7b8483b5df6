package dev.pipelines.streaming.operator.reconcile;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Why a pending pod is not running yet, in the kubelet's and scheduler's own words: a container
 * waiting reason ({@code ImagePullBackOff}, {@code CreateContainerConfigError}: a missing Secret
 * or ConfigMap) or the {@code PodScheduled=False} condition ({@code Unschedulable}, an unbound PVC).
 */
public final class PodWaiting {
  /** Waiting reasons that do not go away by themselves: the pipeline is Degraded until fixed. */
  public static final Set<String> STUCK = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
      "CreateContainerConfigError", "CreateContainerError", "Unschedulable", "ErrImageNeverPull", "RunContainerError");

  private PodWaiting() {}

  /**
   * @return {@code "Reason: message"} of the first waiting init or main container, else of the
   *     pod's unschedulable condition; null when the pod shows nothing (it is simply starting)
   */
  public static Reason describe(Pod pod) {
    if (pod.getStatus() == null) {
      return null;
    }
    List<ContainerStatus> statuses = new ArrayList<>();
    if (pod.getStatus().getInitContainerStatuses() != null) {
      statuses.addAll(pod.getStatus().getInitContainerStatuses());
    }
    if (pod.getStatus().getContainerStatuses() != null) {
      statuses.addAll(pod.getStatus().getContainerStatuses());
    }
    for (ContainerStatus cs : statuses) {
      ContainerStateWaiting w = cs.getState() == null ? null : cs.getState().getWaiting();
      if (w != null && w.getReason() != null && !"ContainerCreating".equals(w.getReason()) && !"PodInitializing".equals(w.getReason())) {
        return new Reason(w.getReason(), w.getMessage() == null ? "" : w.getMessage().strip());
      }
    }
    if (pod.getStatus().getConditions() != null) {
      for (PodCondition c : pod.getStatus().getConditions()) {
        if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && c.getReason() != null) {
          return new Reason(c.getReason(), c.getMessage() == null ? "" : c.getMessage().strip());
        }
      }
    }
    return null;
  }

  /** A reason and its message; {@link #stuck()} when it needs a human. */
  public record Reason(String reason, String message) {
    public boolean stuck() {
      return STUCK.contains(reason);
    }

    @Override
    public String toString() {
      return message.isEmpty() ? reason : reason + ": " + message;
    }
  }
}
