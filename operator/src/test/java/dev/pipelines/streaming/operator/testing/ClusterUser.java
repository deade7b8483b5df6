package dev.pipelines.streaming.operator.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.pipelines.streaming.operator.why.Diagnosis;
import dev.pipelines.streaming.operator.why.PipelineEvidence;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * What a user does with one pipeline and what they look at ({@code kubectl apply}, {@code get
 * spipe}, conditions, pods, events, logs), on whichever cluster the client talks to: the operator
 * run on a real API server, the real-node tests and the kind suite share it. Failures carry the diagnostics a user would
 * gather (status, pods, the operator's and drivers' last log lines, events).
 */
public final class ClusterUser {
  private final KubernetesClient client;
  private final String ns;
  private final String name;
  private String applied;

  public ClusterUser(KubernetesClient client, String ns, String name) {
    this.client = client;
    this.ns = ns;
    this.name = name;
  }

  /** kubectl apply of a new pipeline. */
  public void apply(String yaml) {
    applied = yaml;
    client.resource(Serialization.unmarshal(yaml, StreamingPipelineResource.class)).create();
  }

  /** The spec as last applied. */
  public String applied() {
    return applied;
  }

  /**
   * One spec change as kubectl apply makes it: in the last applied YAML, each {@code from}
   * replaced by the {@code to} after it (pairs: from, to, from, to, ...).
   */
  public void edit(String... fromTo) {
    for (int i = 0; i < fromTo.length; i += 2) {
      assertThat(applied).as("test setup: the edit applies").contains(fromTo[i]);
      applied = applied.replace(fromTo[i], fromTo[i + 1]);
    }
    StreamingPipelineResource changed = Serialization.unmarshal(applied, StreamingPipelineResource.class);
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(StreamingPipelineResource.class).inNamespace(ns).withName(name).edit(p -> {
          p.setSpec(changed.getSpec());
          return p;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e; // 409: the operator wrote status meanwhile; kubectl would retry too
        }
      }
    }
  }

  public void delete() {
    client.resources(StreamingPipelineResource.class).inNamespace(ns).withName(name).delete();
  }

  public StreamingPipelineResource pipeline() {
    return client.resources(StreamingPipelineResource.class).inNamespace(ns).withName(name).get();
  }

  public PipelineStatus status() {
    StreamingPipelineResource p = pipeline();
    return p == null || p.getStatus() == null ? PipelineStatus.EMPTY : p.getStatus();
  }

  public Condition ready() {
    return status().conditionsOrEmpty().stream().filter(c -> c.type().equals("Ready")).findFirst()
        .orElse(new Condition("Ready", "Unknown", "", "", null, null));
  }

  public String readyReason() {
    return ready().reason() == null ? "" : ready().reason();
  }

  public Pod pod(String pod) {
    return client.pods().inNamespace(ns).withName(pod).get();
  }

  public long runningExecutors() {
    return client.pods().inNamespace(ns).withLabel("spark-role", "executor").list().getItems().stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase())).count();
  }

  /**
   * Driver pods whose container runs, terminating ones included (a stopping driver can still
   * commit its last batch), and pods not yet running that are not being deleted.
   */
  public List<String> activeDrivers() {
    List<Pod> drivers = client.pods().inNamespace(ns).withLabel("spark-role", "driver").list().getItems();
    List<String> active = new ArrayList<>(Diagnosis.runningDrivers(drivers));
    drivers.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null && "Pending".equals(p.getStatus().getPhase()))
        .map(p -> p.getMetadata().getName()).filter(n -> !active.contains(n)).forEach(active::add);
    return active;
  }

  /** Who holds the pipeline's checkpoint Lease. */
  public String leaseHolder() {
    Lease lease = client.resources(Lease.class).inNamespace(ns).withName(name + "-checkpoint").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  /**
   * Takes the checkpoint Lease for {@code holder} for {@code seconds}, as a driver that
   * outlived a partition would: the running driver loses it and exits 4. Its renewals race this
   * write; a conflict (409) is tried again, as kubectl does.
   */
  public void takeCheckpointLease(String holder, int seconds) {
    for (int attempt = 1; ; attempt++) {
      try {
        client.resources(Lease.class).inNamespace(ns).withName(name + "-checkpoint").edit(l -> {
          var now = java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC);
          l.getSpec().setHolderIdentity(holder);
          l.getSpec().setAcquireTime(now);
          l.getSpec().setRenewTime(now);
          l.getSpec().setLeaseDurationSeconds(seconds);
          return l;
        });
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  /**
   * Waits for Ready=True with status naming {@code driver}, both read from one copy of the
   * pipeline (separate reads can pair one version's Ready with a later version's driver).
   */
  public void awaitReady(String what, String driver) throws Exception {
    await(what + " Ready", () -> readyWith(driver), Duration.ofMinutes(5));
  }

  /** Whether one read of the pipeline says Ready=True and names {@code driver} as its driver. */
  public boolean readyWith(String driver) {
    PipelineStatus s = status();
    return s.conditionsOrEmpty().stream().anyMatch(c -> c.type().equals("Ready") && "True".equals(c.status()))
        && s.driver() != null && driver.equals(s.driver().podName());
  }

  /**
   * Polls until the condition holds; an assertion failing inside fails at once, with diagnostics.
   * A timeout says the last exception the condition threw (an API server error, a file being
   * written), so "timed out" never hides why the check could not see the condition.
   */
  public void await(String what, Supplier<Boolean> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    RuntimeException last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (AssertionError e) {
        throw failure(what + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        last = e; // the API server or a file being written: look again
      }
      Thread.sleep(250);
    }
    throw failure("timed out after " + timeout + " waiting for " + what
        + (last == null ? "" : "; the check last threw " + last), last);
  }

  /** An assertion that, when it fails, says what the cluster looked like. */
  public void check(String what, Runnable assertion) {
    try {
      assertion.run();
    } catch (AssertionError e) {
      throw failure(what + ": " + e.getMessage(), e);
    }
  }

  /** A step of a scenario whose code can fail in any way (an NPE on a pod that vanished too). */
  @FunctionalInterface
  public interface Step {
    void run() throws Exception;
  }

  /**
   * Runs one scenario step; whatever it throws fails with {@code spo why}'s diagnosis as the
   * first line of the message, the step and the error after it, and the report (with every log,
   * the operator's whole log included) written under {@code target/why/}. A failure already
   * carrying a diagnosis (from {@link #await} or {@link #check}) is passed on as it is.
   */
  public void step(String what, Step step) throws Exception {
    try {
      step.run();
    } catch (DiagnosedFailure e) {
      throw e;
    } catch (Throwable e) {
      throw failure(what + ": " + e, e);
    }
  }

  /** A test failure whose message starts with the diagnosis. */
  public static final class DiagnosedFailure extends AssertionError {
    DiagnosedFailure(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private DiagnosedFailure failure(String what, Throwable cause) {
    return new DiagnosedFailure(diagnosed(what), cause);
  }

  /**
   * "why: <diagnosis>", then what failed, then the report; the report and its evidence are
   * written to {@code target/why/<namespace>-<name>-<n>/} and printed to standard output too.
   */
  private String diagnosed(String what) {
    Diagnosis why;
    try {
      why = Diagnosis.of(PipelineEvidence.read(client, ns, name, null));
    } catch (RuntimeException e) {
      return "why: cannot diagnose (" + e + ")\n" + what + "\n" + diagnostics();
    }
    String written;
    try {
      Path dir = Path.of("target", "why", ns + "-" + name + "-" + DUMPS.incrementAndGet());
      why.write(dir);
      written = "spo why and every log written to " + dir.toAbsolutePath();
    } catch (IOException | RuntimeException e) {
      written = "could not write the report: " + e;
    }
    String message = "why: " + why.headline() + "\n" + what + "\n" + written + "\n\n" + why.text() + "\n" + allPods();
    System.out.println(message);
    return message;
  }

  private static final AtomicInteger DUMPS = new AtomicInteger();

  /** What is still in the namespace besides what Kubernetes (or Helm) put there. */
  public List<String> leftovers() {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(client.pods().inNamespace(ns).list().getItems());
    all.addAll(client.configMaps().inNamespace(ns).list().getItems());
    all.addAll(client.services().inNamespace(ns).list().getItems());
    all.addAll(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
    all.addAll(client.secrets().inNamespace(ns).list().getItems());
    all.addAll(client.serviceAccounts().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    all.addAll(client.resources(Lease.class).inNamespace(ns).list().getItems());
    return all.stream()
        .filter(r -> r.getMetadata().getLabels() == null || !"Helm".equals(r.getMetadata().getLabels().get("app.kubernetes.io/managed-by")))
        .map(r -> r.getKind() + "/" + r.getMetadata().getName())
        .filter(n -> !n.equals("ConfigMap/kube-root-ca.crt") && !n.equals("ServiceAccount/default")).toList();
  }

  /** Status, pods and the operator's and drivers' last log lines, events: what a user would look at. */
  public String diagnostics() {
    StringBuilder out = new StringBuilder("status:\n").append(Serialization.asYaml(status()));
    try {
      out.append("in the namespace: ").append(leftovers()).append('\n');
    } catch (RuntimeException e) {
      out.append("cannot list the namespace: ").append(e.getMessage()).append('\n');
    }
    out.append(allPods());
    client.v1().events().inNamespace(ns).list().getItems().forEach(e -> out.append("event ").append(e.getReason())
        .append(": ").append(e.getMessage()).append('\n'));
    return out.toString();
  }

  /** Every pod of the cluster with its container states, and the last lines of the operator's and drivers' logs. */
  private String allPods() {
    StringBuilder out = new StringBuilder();
    List<Pod> pods;
    try {
      pods = client.pods().inAnyNamespace().list().getItems();
    } catch (RuntimeException e) {
      return "cannot list pods: " + e.getMessage() + "\n";
    }
    for (Pod p : pods) {
      out.append("pod ").append(p.getMetadata().getNamespace()).append('/').append(p.getMetadata().getName())
          .append(' ').append(p.getStatus().getPhase()).append(' ')
          .append(p.getStatus().getContainerStatuses() == null ? "" : p.getStatus().getContainerStatuses().stream()
              .map(c -> String.valueOf(c.getState())).collect(Collectors.joining("; "))).append('\n');
    }
    for (Pod p : pods) {
      String pod = p.getMetadata().getName();
      // The operator's pods, and this pipeline's drivers: other tests' drivers on a shared API
      // server are noise, and each read of a pod that is not running waited for it (fabric8's
      // log wait), minutes in all on a busy server.
      boolean ours = ns.equals(p.getMetadata().getNamespace()) && pod.contains("-driver-");
      if (pod.startsWith("spo-") || ours) {
        try {
          String log = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(pod).tailingLines(40)
              .withLogWaitTimeout(0).getLog();
          out.append("--- log of ").append(pod).append(":\n").append(log).append('\n');
        } catch (RuntimeException e) {
          out.append("--- no log of ").append(pod).append(": ").append(e.getMessage()).append('\n');
        }
      }
    }
    return out.toString();
  }
}
