package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Reads what a decision needs from the cluster. The driver is found by labels, not by the
 * name in status: a status write lost in an operator crash must not hide a running driver.
 */
public final class PipelineObserver {
  private final KubernetesClient client;

  public PipelineObserver(KubernetesClient client) {
    this.client = client;
  }

  /** The highest attempt's driver pod, or null when there is none: a LIST (tests, tools). */
  public ObservedDriver driver(String namespace, String pipeline) {
    return driver(pipeline, null, client.pods().inNamespace(namespace)
        .withLabel(DriverNames.LABEL_PIPELINE, pipeline)
        .withLabel(DriverNames.SPARK_ROLE, "driver")
        .list().getItems());
  }

  /**
   * The highest attempt's driver pod among {@code pods} (the operator's informer cache of
   * driver pods owned by the pipeline: no API call per reconcile), or null when there is none.
   * A cache that lags behind a create is safe: attempt names are fixed before the create, so
   * a start repeated from a stale view finds its own pod (409) instead of making a second one.
   * With {@code uid}, pods owned by another pipeline of the same name (one deleted and created
   * again while the garbage collector has not yet removed its pods) are not this one's.
   */
  public ObservedDriver driver(String pipeline, String uid, Collection<Pod> pods) {
    return pods.stream()
        .filter(p -> p.getMetadata().getLabels() != null
            && pipeline.equals(p.getMetadata().getLabels().get(DriverNames.LABEL_PIPELINE))
            && "driver".equals(p.getMetadata().getLabels().get(DriverNames.SPARK_ROLE)))
        .filter(p -> uid == null || p.getMetadata().getOwnerReferences() == null
            || p.getMetadata().getOwnerReferences().stream().noneMatch(o -> Boolean.TRUE.equals(o.getController()))
            || p.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid())))
        .max(Comparator.comparingInt(PipelineObserver::attempt)).map(this::observe).orElse(null);
  }

  /**
   * The spec last handed to a driver (ConfigMap {@code <name>-spec}, written before every start)
   * and the checkpoint epoch and generation it was written for.
   */
  public CheckpointRecord checkpointRecord(String namespace, String pipeline) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(DriverNames.specConfigMap(pipeline)).get();
    if (cm == null) {
      return CheckpointRecord.MISSING;
    }
    return CheckpointRecord.fromConfigMap(cm.getMetadata().getAnnotations(), cm.getData());
  }

  private ObservedDriver observe(Pod pod) {
    ObservedDriver.Phase phase = phase(pod);
    String reason = phase == ObservedDriver.Phase.FAILED || phase == ObservedDriver.Phase.SUCCEEDED ? termination(pod) : null;
    String generation = pod.getMetadata().getLabels().get(DriverNames.LABEL_GENERATION);
    return new ObservedDriver(pod.getMetadata().getName(), attempt(pod),
        generation == null ? -1 : Long.parseLong(generation), phase, reason, exitCode(pod),
        phase == ObservedDriver.Phase.PENDING ? PodWaiting.describe(pod) : null, pod.getMetadata().getUid());
  }

  /** The driver container's exit code once it terminated, else null. */
  static Integer exitCode(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
      ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
      if (t != null) {
        return t.getExitCode();
      }
    }
    return null;
  }

  static ObservedDriver.Phase phase(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return ObservedDriver.Phase.TERMINATING;
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (phase == null) {
      return ObservedDriver.Phase.PENDING;
    }
    return switch (phase) {
      case "Running" -> ObservedDriver.Phase.RUNNING;
      case "Succeeded" -> ObservedDriver.Phase.SUCCEEDED;
      case "Failed" -> ObservedDriver.Phase.FAILED;
      default -> ObservedDriver.Phase.PENDING;
    };
  }

  /** "exit code 1 (Error): last message" from the driver container, or the pod's own reason (Evicted). */
  static String termination(Pod pod) {
    if (pod.getStatus().getContainerStatuses() != null) {
      for (ContainerStatus cs : pod.getStatus().getContainerStatuses()) {
        ContainerStateTerminated t = cs.getState() == null ? null : cs.getState().getTerminated();
        if (t != null) {
          return "exit code " + t.getExitCode() + (t.getReason() == null ? "" : " (" + t.getReason() + ")")
              + (t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + t.getMessage().strip());
        }
      }
    }
    String reason = pod.getStatus().getReason();
    String message = pod.getStatus().getMessage();
    return (reason == null ? "pod failed" : reason) + (message == null ? "" : ": " + message);
  }

  private static int attempt(Pod pod) {
    String attempt = pod.getMetadata().getLabels().get(DriverNames.LABEL_ATTEMPT);
    try {
      return attempt == null ? 0 : Integer.parseInt(attempt);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
