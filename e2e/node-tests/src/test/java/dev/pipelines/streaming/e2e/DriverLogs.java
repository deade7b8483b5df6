package dev.pipelines.streaming.e2e;

import dev.pipelines.streaming.api.lease.CommitLedger;
import dev.pipelines.streaming.api.lease.LeaseHolders;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Follows the log of every driver pod of one pipeline, from its container's start, into
 * {@code <dir>/<pod>.log}: the kubelet removes a pod's log with the pod, and the operator deletes
 * old drivers, so what a replaced driver committed is kept only here. {@link #ledger} reads the
 * commit lines back ({@link CommitLedger}) for the after-the-fact check that drivers committed one
 * at a time, against the checkpoint Lease's holder history.
 */
final class DriverLogs implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final Path dir;
  private final Map<String, LogWatch> following = new ConcurrentHashMap<>();
  private final Thread poller;
  private volatile boolean closed;

  /** Starts following; pods are looked for every second. */
  DriverLogs(KubernetesClient client, String namespace, Path dir) throws IOException {
    this.client = client;
    this.namespace = namespace;
    this.dir = Files.createDirectories(dir);
    poller = new Thread(this::poll, "driver-logs-" + namespace);
    poller.setDaemon(true);
    poller.start();
  }

  private void poll() {
    while (!closed) {
      try {
        for (Pod pod : client.pods().inNamespace(namespace).withLabel("spark-role", "driver").list().getItems()) {
          String name = pod.getMetadata().getName();
          if (!following.containsKey(name) && started(pod)) {
            OutputStream out = Files.newOutputStream(dir.resolve(name + ".log"));
            following.put(name, client.pods().inNamespace(namespace).withName(name).watchLog(out));
          }
        }
      } catch (RuntimeException | IOException e) {
        // the API server busy for a moment: the next round finds the pod again
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /** A log exists once the container ran: running, or already terminated. */
  private static boolean started(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null
        && pod.getStatus().getContainerStatuses().stream().anyMatch(c -> c.getState() != null
            && (c.getState().getRunning() != null || c.getState().getTerminated() != null));
  }

  /** The drivers whose logs were followed. */
  List<String> pods() {
    return List.copyOf(following.keySet());
  }

  /** The commits every followed driver logged so far. */
  CommitLedger ledger() {
    List<String> logs = new ArrayList<>();
    for (String pod : following.keySet()) {
      try {
        logs.add(Files.readString(dir.resolve(pod + ".log")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return CommitLedger.read(logs);
  }

  /** The holder history of the checkpoint Lease {@code lease}, oldest first. */
  List<LeaseHolders.Tenure> holderHistory(String lease) {
    Lease l = client.resources(Lease.class).inNamespace(namespace).withName(lease).get();
    return l == null || l.getMetadata().getAnnotations() == null ? List.of()
        : LeaseHolders.parse(l.getMetadata().getAnnotations().get(LeaseHolders.ANNOTATION));
  }

  @Override
  public void close() {
    closed = true;
    poller.interrupt();
    following.values().forEach(LogWatch::close);
  }
}
