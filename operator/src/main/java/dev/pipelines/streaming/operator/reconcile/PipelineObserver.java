package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Reads what a decision needs from the cluster. The driver is found by labels, not by the
 * name in status: a status write lost in an operator crash must not hide a running driver.
 */
public final class PipelineObserver {
  private static final int LOG_TAIL_LINES = 20;
  private final KubernetesClient client;

  public PipelineObserver(KubernetesClient client) {
    this.client = client;
  }

  /** The highest attempt's driver pod, or null when there is none. */
  public ObservedDriver driver(String namespace, String pipeline) {
    List<Pod> pods = client.pods().inNamespace(namespace)
        .withLabel(DriverNames.LABEL_PIPELINE, pipeline)
        .withLabel(DriverNames.SPARK_ROLE, "driver")
        .list().getItems();
    return pods.stream().max(Comparator.comparingInt(PipelineObserver::attempt)).map(this::observe).orElse(null);
  }

  /** The spec the current driver was started with (its ConfigMap), if any. */
  public Optional<StreamingPipeline> runningSpec(String namespace, String pipeline) {
    ConfigMap cm = client.configMaps().inNamespace(namespace).withName(DriverNames.specConfigMap(pipeline)).get();
    if (cm == null || cm.getData() == null || !cm.getData().containsKey(DriverNames.SPEC_FILE)) {
      return Optional.empty();
    }
    LoadResult loaded = PipelineLoader.parse(cm.getData().get(DriverNames.SPEC_FILE));
    return Optional.ofNullable(loaded.pipeline());
  }

  private ObservedDriver observe(Pod pod) {
    ObservedDriver.Phase phase = phase(pod);
    String reason = phase == ObservedDriver.Phase.FAILED || phase == ObservedDriver.Phase.SUCCEEDED ? termination(pod) : null;
    String logTail = phase == ObservedDriver.Phase.FAILED ? logTail(pod) : null;
    String generation = pod.getMetadata().getLabels().get(DriverNames.LABEL_GENERATION);
    return new ObservedDriver(pod.getMetadata().getName(), attempt(pod),
        generation == null ? -1 : Long.parseLong(generation), phase, reason, logTail);
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

  private String logTail(Pod pod) {
    try {
      String log = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
          .tailingLines(LOG_TAIL_LINES).getLog();
      return log == null || log.isBlank() ? null : log.strip();
    } catch (KubernetesClientException e) {
      return null; // logs are a courtesy; the kubelet may be gone
    }
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
