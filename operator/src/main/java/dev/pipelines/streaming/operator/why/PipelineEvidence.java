package dev.pipelines.streaming.operator.why;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Everything {@code spo why} looks at for one pipeline, read once from the API server: the
 * resource and its status, every pod of the pipeline (terminating ones included) with the
 * drivers' and the operator's logs, its Events and its pods' Events, the checkpoint Lease, the
 * {@code <name>-spec} record, and the operator's leader Lease. Each read needs only what the
 * pipeline author's RBAC grants in their namespace (the operator's namespace is tried, never
 * required): a read the API server refuses is kept in {@link #unreadable} with its reason
 * instead of failing the whole report.
 *
 * @param events the pipeline's and its pods' Events, oldest first (at most {@link #MAX_EVENTS})
 * @param logs pod name → its last {@link #LOG_LINES} log lines (a restarted container's
 *     previous log under {@code <pod>.previous})
 * @param operatorLog the operator leader's (or only pod's) log lines that name this pipeline
 */
public record PipelineEvidence(String namespace, String name, StreamingPipelineResource pipeline, List<Pod> pods,
    List<Event> events, Lease checkpointLease, ConfigMap specRecord, Lease operatorLeader, String operatorPod,
    Map<String, String> logs, List<String> operatorLog, List<String> unreadable) {
  /** Events kept, the newest ones. */
  public static final int MAX_EVENTS = 40;
  /** Log lines kept per pod. */
  public static final int LOG_LINES = 200;
  /** Lines of the operator's log that name the pipeline, the newest ones. */
  public static final int OPERATOR_LOG_LINES = 60;
  static final String OPERATOR_LABEL = "app.kubernetes.io/name";
  static final String OPERATOR_NAME = "streaming-pipeline-operator";
  /** The operator's leader-election Lease (OperatorMain). */
  static final String OPERATOR_LEASE = "streaming-pipeline-operator";

  /**
   * Reads the evidence.
   *
   * @param operatorNamespace where the operator runs, or null to look for its pods in every
   *     namespace the caller may list (and say so when it may not)
   */
  public static PipelineEvidence read(KubernetesClient client, String namespace, String name, String operatorNamespace) {
    List<String> unreadable = new ArrayList<>();
    StreamingPipelineResource pipeline = tryRead(unreadable, "StreamingPipeline " + namespace + "/" + name,
        () -> client.resources(StreamingPipelineResource.class).inNamespace(namespace).withName(name).get());
    List<Pod> pods = podsOf(client, namespace, name, unreadable);
    Set<String> involved = pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    involved.add(name);
    List<Event> events = tryRead(unreadable, "Events in " + namespace,
        () -> client.v1().events().inNamespace(namespace).list().getItems());
    events = events == null ? List.of() : events.stream()
        .filter(e -> e.getInvolvedObject() != null && involved.contains(e.getInvolvedObject().getName()))
        .sorted(Comparator.comparing(PipelineEvidence::eventTime)).toList();
    if (events.size() > MAX_EVENTS) {
      events = events.subList(events.size() - MAX_EVENTS, events.size());
    }
    Lease checkpoint = tryRead(unreadable, "Lease " + DriverNames.checkpointLease(name),
        () -> client.resources(Lease.class).inNamespace(namespace).withName(DriverNames.checkpointLease(name)).get());
    ConfigMap record = tryRead(unreadable, "ConfigMap " + DriverNames.specConfigMap(name),
        () -> client.configMaps().inNamespace(namespace).withName(DriverNames.specConfigMap(name)).get());
    Map<String, String> logs = new LinkedHashMap<>();
    for (Pod pod : pods) {
      if ("driver".equals(label(pod, DriverNames.SPARK_ROLE))) {
        readLogs(client, pod, logs, unreadable);
      }
    }
    Pod operator = operatorPod(client, operatorNamespace, unreadable);
    Lease leader = operator == null ? null : tryRead(unreadable, "the operator's leader Lease",
        () -> client.resources(Lease.class).inNamespace(operator.getMetadata().getNamespace()).withName(OPERATOR_LEASE).get());
    Pod leaderPod = operator;
    if (leader != null && leader.getSpec().getHolderIdentity() != null) {
      Pod held = tryRead(unreadable, "the leader's pod", () -> client.pods().inNamespace(operator.getMetadata().getNamespace())
          .withName(leader.getSpec().getHolderIdentity()).get());
      leaderPod = held != null ? held : operator;
    }
    List<String> operatorLog = List.of();
    if (leaderPod != null) {
      Pod op = leaderPod;
      String log = tryRead(unreadable, "the log of operator pod " + op.getMetadata().getName(),
          () -> client.pods().inNamespace(op.getMetadata().getNamespace()).withName(op.getMetadata().getName()).getLog());
      if (log != null) {
        logs.put(op.getMetadata().getName(), log);
        operatorLog = aboutPipeline(log, namespace, name);
      }
    }
    return new PipelineEvidence(namespace, name, pipeline, pods, events, checkpoint, record, leader,
        leaderPod == null ? null : leaderPod.getMetadata().getNamespace() + "/" + leaderPod.getMetadata().getName(),
        logs, operatorLog, List.copyOf(unreadable));
  }

  /** The pipeline's pods: its drivers (by label) and the executors those drivers own. */
  private static List<Pod> podsOf(KubernetesClient client, String namespace, String name, List<String> unreadable) {
    List<Pod> all = tryRead(unreadable, "Pods in " + namespace, () -> client.pods().inNamespace(namespace).list().getItems());
    if (all == null) {
      return List.of();
    }
    Set<String> drivers = all.stream().filter(p -> name.equals(label(p, DriverNames.LABEL_PIPELINE)))
        .map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    return all.stream()
        .filter(p -> drivers.contains(p.getMetadata().getName()) || p.getMetadata().getOwnerReferences() != null
            && p.getMetadata().getOwnerReferences().stream().anyMatch(o -> "Pod".equals(o.getKind()) && drivers.contains(o.getName())))
        .sorted(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp(), Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(p -> p.getMetadata().getName()))
        .toList();
  }

  private static void readLogs(KubernetesClient client, Pod pod, Map<String, String> logs, List<String> unreadable) {
    String pname = pod.getMetadata().getName();
    var ref = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pname);
    String log = tryRead(unreadable, "the log of " + pname, () -> ref.tailingLines(LOG_LINES).getLog());
    if (log != null) {
      logs.put(pname, log);
    }
    boolean restarted = pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
        && pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getRestartCount() != null && c.getRestartCount() > 0);
    if (restarted) {
      String previous = tryRead(unreadable, "the previous log of " + pname, () -> ref.terminated().tailingLines(LOG_LINES).getLog());
      if (previous != null) {
        logs.put(pname + ".previous", previous);
      }
    }
  }

  private static Pod operatorPod(KubernetesClient client, String operatorNamespace, List<String> unreadable) {
    List<Pod> pods = tryRead(unreadable, "the operator's pods" + (operatorNamespace == null ? " (in any namespace)" : " in " + operatorNamespace),
        () -> (operatorNamespace == null ? client.pods().inAnyNamespace().withLabel(OPERATOR_LABEL, OPERATOR_NAME)
            : client.pods().inNamespace(operatorNamespace).withLabel(OPERATOR_LABEL, OPERATOR_NAME)).list().getItems());
    if (pods == null || pods.isEmpty()) {
      return null;
    }
    // the newest live one: a deleted operator's replacement is the one to read
    return pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp())).orElse(pods.get(0));
  }

  /** Lines of the operator's log naming {@code ns/name} (JOSDK's and our own messages do), the newest. */
  static List<String> aboutPipeline(String log, String namespace, String name) {
    String key = namespace + "/" + name;
    List<String> lines = log.lines().filter(l -> l.contains(key) || l.contains("name=" + name) && l.contains(namespace)).toList();
    return lines.size() <= OPERATOR_LOG_LINES ? lines : lines.subList(lines.size() - OPERATOR_LOG_LINES, lines.size());
  }

  static String label(Pod pod, String key) {
    return pod.getMetadata().getLabels() == null ? null : pod.getMetadata().getLabels().get(key);
  }

  /** An Event's time: the newest of its timestamps, as an ISO string ("" when it has none). */
  static String eventTime(Event e) {
    String t = e.getLastTimestamp() != null ? e.getLastTimestamp()
        : e.getEventTime() != null && e.getEventTime().getTime() != null ? e.getEventTime().getTime()
        : e.getFirstTimestamp() != null ? e.getFirstTimestamp() : e.getMetadata().getCreationTimestamp();
    return Objects.requireNonNullElse(t, "");
  }

  private static <T> T tryRead(List<String> unreadable, String what, Supplier<T> read) {
    try {
      return read.get();
    } catch (KubernetesClientException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
          : e.getCode() > 0 ? "HTTP " + e.getCode()
          : root != e ? root.getClass().getSimpleName() + ": " + root.getMessage() // e.g. ConnectException: Connection refused
          : String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      unreadable.add(what + ": " + why);
      return null;
    }
  }
}
