package dev.pipelines.streaming.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real single-node Kubernetes cluster for this test JVM (e2e/node/up.sh: etcd, API server,
 * controllers, scheduler, kubelet, containerd, CNI, CoreDNS), with the runner and operator images
 * built from this build's jars (e2e/node/images.sh). Started once per JVM; stopped at exit by
 * e2e/node/down.sh unless SPO_NODE_KEEP=1. It needs root on Linux (kubelet, containerd, network
 * namespaces): elsewhere the tests are skipped, unless REQUIRE_REAL_NODE=1 (as in CI), which makes
 * that a failure.
 *
 * <p>With {@code SPO_E2E_CLUSTER=kind} the same scenarios run on a kind cluster that
 * e2e/kind/run.sh made (Docker-built images loaded, {@code KUBECONFIG} set, the volumes
 * directory mounted into the kind node at the same path, {@code SPO_E2E_HOST_IP} the address
 * pods reach the host at); nothing is started or stopped here then.
 */
public final class RealNode {
  static final Path ROOT = Path.of(System.getProperty("repo.root", "../..")).toAbsolutePath().normalize();
  static final Path STATE = Path.of(System.getenv().getOrDefault("SPO_NODE_DIR", "/tmp/spo-node"));
  /** A kind cluster made by e2e/kind/run.sh instead of the node this class starts. */
  static final boolean KIND = "kind".equals(System.getenv("SPO_E2E_CLUSTER"));
  static final Path KUBECONFIG = KIND ? Path.of(System.getenv("KUBECONFIG")) : STATE.resolve("etc/admin.kubeconfig");
  /** Pods reach the host (the API server, a Kafka broker) at the CNI bridge's address (kind: Docker's network gateway). */
  public static final String HOST_IP = System.getenv().getOrDefault("SPO_E2E_HOST_IP", "10.244.0.1");
  public static final String RUNNER_IMAGE = "docker.io/local/streaming-pipeline-runner:e2e";
  public static final String OPERATOR_IMAGE = "docker.io/local/streaming-pipeline-operator:e2e";
  private static boolean started;

  private RealNode() {}

  /** An admin client of the node's API server; starts the node first if needed. */
  public static synchronized KubernetesClient adminClient() {
    if (!started && KIND) {
      started = true; // e2e/kind/run.sh made the cluster and loaded the images
    }
    if (!started) {
      String why = whyNot();
      if (why != null) {
        if ("1".equals(System.getenv("REQUIRE_REAL_NODE"))) {
          throw new IllegalStateException("REQUIRE_REAL_NODE=1 but the real node cannot run here: " + why);
        }
        Assumptions.abort("no real node: " + why);
      }
      NodeLock.acquire(STATE);
      if (!"1".equals(System.getenv("SPO_NODE_KEEP"))) {
        // whatever an earlier, killed run left (processes, mounts, the bridge) goes first
        run(Duration.ofMinutes(5), "down-before", "bash", ROOT.resolve("e2e/node/down.sh").toString());
      }
      run(Duration.ofMinutes(40), "up", "bash", ROOT.resolve("e2e/node/up.sh").toString());
      run(Duration.ofMinutes(15), "images", "bash", ROOT.resolve("e2e/node/images.sh").toString());
      if (!"1".equals(System.getenv("SPO_NODE_KEEP"))) {
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
            run(Duration.ofMinutes(5), "down", "bash", ROOT.resolve("e2e/node/down.sh").toString())));
      }
      started = true;
    }
    return new KubernetesClientBuilder().withConfig(config()).build();
  }

  static Config config() {
    try {
      return Config.fromKubeconfig(Files.readString(KUBECONFIG));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + KUBECONFIG, e);
    }
  }

  /** Namespace of the operator the tests install. */
  public static final String OPERATOR_NS = "spo-system";

  /**
   * Installs the operator with the Helm chart as a user would (release {@code spo}), with this
   * build's images, running the pipelines of {@code watchedNamespace}.
   */
  public static void installOperator(String watchedNamespace) {
    try {
      uninstallOperator(); // a release an interrupted earlier run left (SPO_NODE_KEEP=1)
    } catch (RuntimeException e) {
      // none: the usual case
    }
    // Helm installs crds/ only when the CRD is absent and never upgrades it; a node kept from an
    // earlier build (SPO_NODE_KEEP=1) would otherwise prune the status fields added since.
    try (KubernetesClient client = adminClient();
        var crd = Files.newInputStream(ROOT.resolve("crds/streamingpipelines.streaming.pipelines.dev.yaml"))) {
      client.load(crd).forceConflicts().serverSideApply();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    new com.marcnuri.helm.Helm(ROOT.resolve("charts/streaming-pipeline-operator")).install()
        .withName("spo").withNamespace(OPERATOR_NS).createNamespace().withKubeConfig(KUBECONFIG)
        .set("image.repository", "docker.io/local/streaming-pipeline-operator").set("image.tag", "e2e")
        .set("image.pullPolicy", "Never")
        .set("runnerImage.repository", "docker.io/local/streaming-pipeline-runner").set("runnerImage.tag", "e2e")
        .set("watchNamespaces[0]", watchedNamespace).set("createWatchNamespaces", false).set("resources.requests.cpu", "100m")
        .waitReady().withTimeout(300).call();
  }

  /** Removes the operator's release. */
  public static void uninstallOperator() {
    com.marcnuri.helm.Helm.uninstall("spo").withNamespace(OPERATOR_NS).withKubeConfig(KUBECONFIG).call();
  }

  /**
   * A namespace for one test's pipelines, enforcing the {@code restricted} Pod Security
   * Standard, with a hostPath PersistentVolume (storage class = the namespace's name) for the
   * pipeline's checkpoint claim; returns the host directory behind it.
   */
  public static Path pipelineNamespace(KubernetesClient client, String ns) throws IOException {
    client.resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName(ns)
        .addToLabels("pod-security.kubernetes.io/enforce", "restricted").endMetadata().build()).create();
    Path volume = volumeDir(ns);
    client.resource(new io.fabric8.kubernetes.api.model.PersistentVolumeBuilder().withNewMetadata().withName(ns + "-checkpoints")
        .endMetadata().withNewSpec().withStorageClassName(ns).withAccessModes("ReadWriteMany")
        .withCapacity(java.util.Map.of("storage", new io.fabric8.kubernetes.api.model.Quantity("2Gi")))
        .withPersistentVolumeReclaimPolicy("Retain")
        .withNewHostPath().withPath(volume.toString()).withType("Directory").endHostPath().endSpec().build()).create();
    return volume;
  }

  /** Undoes {@link #pipelineNamespace} and {@link #installOperator}: the release, the namespace, its volume. */
  public static void removePipelineNamespace(KubernetesClient client, String ns) {
    uninstallOperator();
    client.namespaces().withName(ns).delete();
    client.persistentVolumes().withName(ns + "-checkpoints").delete();
  }

  /** The admin kubeconfig, for helm and kubectl. */
  public static Path kubeconfig() {
    return KUBECONFIG;
  }

  /** A directory on the host that pods see through a hostPath PersistentVolume. */
  public static Path volumeDir(String name) throws IOException {
    Path dir = Files.createDirectories(STATE.resolve("volumes").resolve(name));
    // hostPath volumes ignore fsGroup: let the pods' uid 185 write
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    return dir;
  }

  private static String whyNot() {
    if (!System.getProperty("os.name").toLowerCase().contains("linux")) {
      return "not Linux";
    }
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not root (kubelet, containerd and network namespaces need it)";
    }
    for (String tool : List.of("go", "kubectl", "apt-get", "gcc", "python3")) {
      if (!onPath(tool)) {
        return tool + " is not installed";
      }
    }
    return null;
  }

  private static boolean onPath(String tool) {
    String path = System.getenv().getOrDefault("PATH", "") + ":/usr/local/go/bin";
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** Runs a harness script; its output goes to target/e2e-node/NAME.log (printed on failure). */
  private static void run(Duration timeout, String name, String... command) {
    try {
      Path log = Files.createDirectories(Path.of("target", "e2e-node")).resolve(name + ".log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      pb.environment().put("PATH", pb.environment().getOrDefault("PATH", "") + ":/usr/local/go/bin");
      Process p = pb.start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(name + " did not finish within " + timeout + "; log:\n" + Files.readString(log));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("e2e/node " + name + " failed (exit " + p.exitValue() + "); log:\n"
            + tail(Files.readString(log), 80));
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }
}
