package dev.pipelines.streaming.operator.driver;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.PipelineSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.util.ManualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's escalation probes, with the validator bypassed: a spec naming the operator's files,
 * a URL, a class, host paths and other Secrets is built into a driver exactly as the operator
 * builds one. Nothing of the operator's filesystem or network may reach any object it creates,
 * no class of the author's choosing may be instantiated, and no file may be copied.
 */
class EscalationProbeTest {
  static final String SECRET = "operator-token-5d41402abc4b2a76b9719d911017c592";
  static final AtomicInteger INSTANTIATED = new AtomicInteger();

  /** A "feature step" the author names: it counts its instantiations. */
  public static final class Probe {
    public Probe() {
      INSTANTIATED.incrementAndGet();
    }
  }

  @Test
  void nothingTheAuthorPointsAtReachesTheCreatedObjects(@TempDir Path dir) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), SECRET);
    Path upload = Files.createDirectories(dir.resolve("upload"));
    AtomicInteger requests = new AtomicInteger();
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext("/", ex -> {
      requests.incrementAndGet();
      byte[] body = ("apiVersion: v1\nkind: Pod\nmetadata: {labels: {leak: " + SECRET + "}}\n").getBytes();
      ex.sendResponseHeaders(200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    http.start();
    String url = "http://127.0.0.1:" + http.getAddress().getPort() + "/template.yaml";
    List<String> keys = List.of(
        "spark.kubernetes.executor.podTemplateFile: " + url,
        "spark.kubernetes.driver.podTemplateFile: " + token,
        "spark.kubernetes.authenticate.driver.caCertFile: " + token,
        "spark.kubernetes.authenticate.driver.clientKeyFile: " + token,
        "spark.kubernetes.authenticate.driver.clientCertFile: " + token,
        "spark.kubernetes.authenticate.driver.oauthTokenFile: " + token,
        "spark.kubernetes.authenticate.driver.serviceAccountName: default",
        "spark.kubernetes.authenticate.executor.serviceAccountName: default",
        "spark.kubernetes.kerberos.krb5.path: " + token,
        "spark.kerberos.keytab: " + token,
        "spark.kerberos.principal: ops@EXAMPLE.COM",
        "spark.kubernetes.driver.pod.featureSteps: " + Probe.class.getName(),
        "spark.files: " + token,
        "spark.kubernetes.file.upload.path: " + upload,
        "spark.kubernetes.driver.volumes.hostPath.host.mount.path: /host",
        "spark.kubernetes.driver.volumes.hostPath.host.options.path: /",
        "spark.kubernetes.driver.secrets.operator-secret: /mnt/secret",
        "spark.kubernetes.executor.secretKeyRef.STOLEN: operator-secret:token",
        "spark.kubernetes.namespace: kube-system",
        "spark.driver.extraJavaOptions: -javaagent:" + token);
    PipelineSpec spec = PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {location: "s3a://b/c"}
          sparkConf:
        %s
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """.formatted(keys.stream().map(k -> "    " + k.replaceFirst(": ", ": \"") + "\"").collect(Collectors.joining("\n"))))
        .pipeline().spec(); // not validated: the validator refuses every one of these keys
    assertThat(spec.sparkConfOrEmpty()).hasSize(keys.size());

    DriverResources built;
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      built = new DriverPodFactory(client, new SparkConfFactory("runner:1"), new ManualClock(0))
          .build(new DriverRequest("analytics", "clicks", "uid-1", spec, 1, 1, 0));
    } finally {
      http.stop(0);
    }
    List<HasMetadata> objects = new ArrayList<>(built.preResources());
    objects.add(built.pod());
    objects.addAll(built.resources());
    String everything = objects.stream().map(Serialization::asYaml).collect(Collectors.joining("\n---\n"));

    assertThat(everything).doesNotContain(SECRET, token.toString(), "hostPath", "operator-secret", "kube-system",
        "javaagent", "ops@EXAMPLE.COM");
    assertThat(everything).contains("serviceAccountName: \"clicks-driver\"", "clicks-executor", "namespace: \"analytics\"");
    assertThat(requests).as("no request to the author's URL").hasValue(0);
    assertThat(INSTANTIATED).as("no class of the author's choosing instantiated").hasValue(0);
    try (var files = Files.list(upload)) {
      assertThat(files).as("no file copied to the author's upload path").isEmpty();
    }
  }
}
