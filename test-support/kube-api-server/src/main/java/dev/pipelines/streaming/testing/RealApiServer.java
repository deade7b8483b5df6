package dev.pipelines.streaming.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * A real kube-apiserver + etcd for the test JVM, started once through fabric8's
 * kube-api-test from the binaries e2e/apiserver/build.sh caches (no download, no Docker).
 * Options are set in code: kube-api-test's boolean environment variables are broken in
 * released versions. Without the binaries the tests are skipped, unless
 * REQUIRE_KUBE_APISERVER=1 (as in CI), which makes that a failure.
 */
public final class RealApiServer {
  public static final String VERSION = System.getenv().getOrDefault("K8S_VERSION", "1.34.4");
  static final Path DIR = Path.of(System.getenv().getOrDefault("KUBE_API_TEST_DIR",
      System.getProperty("user.home") + "/.cache/streaming-pipeline-operator/kube-api-test"));
  private static KubeAPIServer server;
  private static String kubeconfig;

  private RealApiServer() {}

  /** An admin client of the shared server; skips (or fails in CI) when it cannot run here. */
  public static synchronized KubernetesClient adminClient() {
    if (server == null) {
      Path bin = DIR.resolve("k8s").resolve(VERSION + "-linux-amd64");
      boolean present = Files.isExecutable(bin.resolve("kube-apiserver")) && Files.isExecutable(bin.resolve("etcd"));
      if (!present && !"1".equals(System.getenv("REQUIRE_KUBE_APISERVER"))) {
        Assumptions.abort("no kube-apiserver binaries in " + bin + "; run e2e/apiserver/build.sh");
      }
      KubeAPIServer s = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
          .withTestDir(DIR.toString())
          .withApiServerVersion(VERSION)
          .withOfflineMode(true)
          .withUpdateKubeConfig(false)
          .withApiServerFlags(List.of("--bind-address", "127.0.0.1"))
          .withStartupTimeout(120_000)
          .build());
      s.start();
      Runtime.getRuntime().addShutdownHook(new Thread(s::stop));
      server = s;
      kubeconfig = s.getKubeConfigYaml();
    }
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfig)).build();
  }

  /** The admin kubeconfig, for kubectl. */
  public static synchronized Path kubeconfigFile() throws IOException {
    adminClient().close();
    Path file = Files.createTempFile("kubeconfig", ".yaml");
    Files.writeString(file, kubeconfig);
    return file;
  }

  /** Applies the committed CRD once per server, and waits until it is served. */
  public static void installCrd(KubernetesClient client) throws IOException {
    Path crd = Path.of(System.getProperty("crds.dir", "../crds"), "streamingpipelines.streaming.pipelines.dev.yaml");
    try (InputStream in = Files.newInputStream(crd)) {
      var loaded = client.apiextensions().v1().customResourceDefinitions().load(in).item();
      client.resource(loaded).serverSideApply();
      client.apiextensions().v1().customResourceDefinitions().withName(loaded.getMetadata().getName())
          .waitUntilCondition(c -> c.getStatus() != null && c.getStatus().getConditions() != null
              && c.getStatus().getConditions().stream().anyMatch(x -> "Established".equals(x.getType())
                  && "True".equals(x.getStatus())), 60, java.util.concurrent.TimeUnit.SECONDS);
    }
  }
}
