package dev.pipelines.streaming.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.testing.RealApiServer;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * ansible/playbook.yml run for real (kubernetes.core) against the real API server: it installs
 * the CRD, RBAC and operator Deployment, patches the images, applies a pipeline, and a second
 * run changes nothing. Skipped where ansible-playbook is missing, unless CI (REQUIRE_ANSIBLE=1).
 */
class AnsiblePlaybookTest {
  static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @Test
  void playbookInstallsTheOperatorAndPipelinesIdempotently() throws Exception {
    boolean present = Files.isExecutable(Path.of("/usr/bin/ansible-playbook"));
    Assumptions.assumeTrue(present || "1".equals(System.getenv("REQUIRE_ANSIBLE")), "ansible-playbook not installed");
    Path kubeconfig = RealApiServer.kubeconfigFile();
    try (KubernetesClient admin = RealApiServer.adminClient()) {
      List<String> command = List.of("ansible-playbook", "-i", "localhost,", "-c", "local",
          REPO.resolve("ansible/playbook.yml").toString(),
          "-e", "spo_kubeconfig=" + kubeconfig, "-e", "spo_wait=false",
          "-e", "spo_operator_image=registry.example/spo-operator:9.9.9",
          "-e", "spo_runner_image=registry.example/spo-runner:9.9.9",
          "-e", "{\"spo_pipeline_files\": [\"" + REPO.resolve("examples/clickstream-sliding-window.yaml") + "\"]}");

      String first = run(command);
      assertThat(first).contains("failed=0");

      Deployment operator = admin.apps().deployments().inNamespace("streaming-system")
          .withName("spo-streaming-pipeline-operator").get();
      assertThat(operator).isNotNull();
      var container = operator.getSpec().getTemplate().getSpec().getContainers().get(0);
      assertThat(container.getImage()).isEqualTo("registry.example/spo-operator:9.9.9");
      assertThat(container.getArgs()).as("the chart's arguments, with the runner image replaced")
          .contains("--runner-image=registry.example/spo-runner:9.9.9", "--allowed-images=registry.example/spo-runner:9.9.9",
              "--namespaces=streaming-pipelines", "--control-key-secret=spo-streaming-pipeline-operator-control-key");
      assertThat(admin.resources(io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy.class)
          .withName("spo-streaming-pipeline-operator-drivers").get().getSpec().getVariables())
          .as("the admission policy lets drivers run that image")
          .anySatisfy(v -> assertThat(v.getExpression()).isEqualTo("[\"registry.example/spo-runner:9.9.9\"]"));
      assertThat(admin.rbac().roles().inNamespace("streaming-pipelines").withName("spo-streaming-pipeline-operator").get())
          .as("namespaced by default, in a namespace that is not the operator's").isNotNull();
      assertThat(admin.resources(StreamingPipelineResource.class).inNamespace("streaming-pipelines")
          .withName("clicks-per-page").get()).isNotNull();

      String second = run(command);
      assertThat(second).as("a second run changes nothing").contains("changed=0").contains("failed=0");
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Path log = Files.createTempFile("ansible", ".log");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }
}
