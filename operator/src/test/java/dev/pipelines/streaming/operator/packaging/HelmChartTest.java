package dev.pipelines.streaming.operator.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * charts/streaming-pipeline-operator through Helm's own code (helm-java): lint, render with
 * default and non-default values against golden files, and the promises the chart makes.
 * After an intended change: mvn test -Dtest=HelmChartTest -Dgolden.update=true
 */
class HelmChartTest {
  static final Path CHART = Path.of("..", "charts", "streaming-pipeline-operator");
  static final Path GOLDEN = Path.of("src/test/resources/golden");
  static final YAMLMapper YAML = new YAMLMapper();
  static final String PLAIN_HEADER = """
      # The Helm chart (charts/streaming-pipeline-operator) rendered with default values, for
      # installs without Helm. Generated: mvn -pl operator test -Dtest=HelmChartTest -Dgolden.update=true
      #   kubectl create namespace streaming-system
      #   kubectl apply --server-side -f crds/ -f deploy/streaming-pipeline-operator.yaml
      """;

  @Test
  void lintsCleanInStrictMode() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
  }

  /** The chart with default values is also committed as plain manifests, for kubectl and Ansible. */
  @Test
  void defaultValuesRenderTheCommittedPlainManifests() throws IOException {
    assertMatchesFile(Path.of("..", "deploy", "streaming-pipeline-operator.yaml"), PLAIN_HEADER + render(t -> t));
  }

  @Test
  void namespacedInstallWithMonitoringRendersTheGoldenManifests() throws IOException {
    String rendered = render(t -> t.set("watchNamespaces[0]", "team-a").set("watchNamespaces[1]", "team-b")
        .set("replicas", 2).set("image.tag", "1.2.3").set("metrics.serviceMonitor.enabled", true)
        .set("metrics.podMonitor.enabled", true).set("metrics.grafanaDashboard.enabled", true)
        .set("javaOptions", "-XX:MaxRAMPercentage=60").set("tenantPolicy.allowedImages[0]", "ghcr.io/team-a/")
        .set("tenantPolicy.maxExecutors", 8).set("tenantPolicy.maxCores", 4).set("tenantPolicy.maxMemory", "8g")
        .set("tenantPolicy.egress.deny[0]", "10.200.0.0/16").set("tenantPolicy.egress.deny[1]", "*.corp.example")
        .set("tenantPolicy.egress.networkPolicy", true)
        .set("tenantPolicy.egress.rules[0].to[0].ipBlock.cidr", "10.20.0.0/16")
        .set("tenantPolicy.egress.rules[0].ports[0].port", 9092));
    assertMatchesFile(GOLDEN.resolve("helm-namespaced.yaml"), rendered);

    List<JsonNode> docs = documents(rendered);
    assertThat(kinds(docs)).doesNotContain("ClusterRole", "ClusterRoleBinding");
    assertThat(docs).filteredOn(d -> d.path("kind").asText().equals("Role"))
        .extracting(d -> d.at("/metadata/namespace").asText())
        .containsExactlyInAnyOrder("team-a", "team-b", "streaming-system", "streaming-system", "default"); // + leases, control key, API endpoints
    JsonNode deployment = only(docs, "Deployment");
    assertThat(deployment.at("/spec/template/spec/containers/0/args").toString()).contains("--namespaces=team-a,team-b",
        "--max-executors=8", "--max-cores=4", "--max-memory=8g",
        "--allowed-images=ghcr.io/streaming-pipelines/streaming-pipeline-runner:0.1.0,ghcr.io/team-a/",
        "--deny-egress=10.200.0.0/16,*.corp.example", "--egress-network-policy");
    String rules = null;
    for (JsonNode arg : deployment.at("/spec/template/spec/containers/0/args")) {
      if (arg.asText().startsWith("--egress-rules=")) {
        rules = arg.asText().substring("--egress-rules=".length());
      }
    }
    assertThat(dev.pipelines.streaming.operator.OperatorMain.parseEgressRules(rules)).as("the operator reads the rules back as the admin wrote them")
        .singleElement().satisfies(rule -> {
          assertThat(rule.getTo().get(0).getIpBlock().getCidr()).isEqualTo("10.20.0.0/16");
          assertThat(rule.getPorts().get(0).getPort().getIntVal()).isEqualTo(9092);
        });
    assertThat(only(docs, "ValidatingAdmissionPolicy").at("/spec/variables").toString())
        .as("the admission policy holds drivers to the same images").contains(
            "{\"name\":\"allowedImages\",\"expression\":\"[\\\"ghcr.io/streaming-pipelines/streaming-pipeline-runner:0.1.0\\\",\\\"ghcr.io/team-a/\\\"]\"}");
  }

  @Test
  void aRealApiServerAcceptsBothInstalls() {
    // Server-side dry run: schema validation of every object by Kubernetes 1.34 itself.
    try (KubernetesClient admin = RealApiServer.adminClient()) {
      admin.resource(new NamespaceBuilder().withNewMetadata().withName("streaming-system").endMetadata().build())
          .createOr(NonDeletingOperation::update);
      for (String rendered : List.of(render(t -> t), render(t -> t.set("watchAllNamespaces", true)))) {
        assertThat(admin.resourceList(rendered).inNamespace("streaming-system").dryRun().createOrReplace()).isNotEmpty();
      }
    }
  }

  @Test
  void clusterRoleGrantsExactlyWhatTheRbacTestsProve() throws IOException {
    // deploy/operator-rbac.yaml is what ReconcileWithOperatorRbacTest runs the operator under.
    JsonNode tested = documents(Files.readString(Path.of("..", "deploy", "operator-rbac.yaml"))).stream()
        .filter(d -> d.path("kind").asText().equals("ClusterRole")).findFirst().orElseThrow();
    JsonNode rendered = only(documents(render(t -> t.set("watchAllNamespaces", true))), "ClusterRole");
    assertThat(rendered.get("rules")).isEqualTo(tested.get("rules"));
  }

  /**
   * Least privilege by default: pipelines in one namespace that is not the operator's (an author
   * there could run a pod as the operator's ServiceAccount), nothing cluster-wide but the
   * admission policy, no Secret read but the operator's own key.
   */
  @Test
  void defaultInstallIsNamespacedAndReadsNoPipelineSecrets() throws IOException {
    List<JsonNode> docs = documents(render(t -> t));
    assertThat(docs).filteredOn(d -> d.path("kind").asText().startsWith("Cluster")).isEmpty();
    assertThat(only(docs, "Deployment").at("/spec/template/spec/containers/0/args").toString())
        .contains("--namespaces=streaming-pipelines").doesNotContain("--allow-operator-namespace", "--no-admission-policy",
            "--egress-network-policy");
    assertThat(only(docs, "Namespace").at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText())
        .isEqualTo("restricted");
    assertThat(only(docs, "ValidatingAdmissionPolicyBinding").at("/spec/matchResources/namespaceSelector").toString())
        .contains("[\"streaming-pipelines\"]");
    for (JsonNode role : docs.stream().filter(d -> d.path("kind").asText().equals("Role")).toList()) {
      for (JsonNode rule : role.get("rules")) {
        boolean secrets = rule.get("resources").toString().contains("secrets");
        boolean reads = rule.get("verbs").toString().matches(".*\"(get|list|watch)\".*");
        if (secrets && reads) {
          assertThat(rule.get("resourceNames").toString()).as(role.at("/metadata/name").asText())
              .isEqualTo("[\"spo-streaming-pipeline-operator-control-key\"]");
        }
      }
    }
  }

  /** An old cluster: no admission policy, and the operator told so (it then leaves executor templates to the admin). */
  @Test
  void withoutTheAdmissionPolicyTheOperatorIsToldSo() throws IOException {
    List<JsonNode> docs = documents(render(t -> t.set("tenantPolicy.admissionPolicy", false)));
    assertThat(kinds(docs)).doesNotContain("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    assertThat(only(docs, "Deployment").at("/spec/template/spec/containers/0/args").toString()).contains("--no-admission-policy");
  }

  @Test
  void operatorPodMeetsTheRestrictedPodSecurityStandard() throws IOException {
    JsonNode pod = only(documents(render(t -> t)), "Deployment").at("/spec/template/spec");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    JsonNode container = pod.at("/containers/0/securityContext");
    assertThat(container.at("/allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(container.at("/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/capabilities/drop").toString()).isEqualTo("[\"ALL\"]");
  }

  @Test
  void chartShipsTheCommittedCrd() throws IOException {
    String file = "streamingpipelines.streaming.pipelines.dev.yaml";
    assertThat(Files.readString(CHART.resolve("crds").resolve(file)))
        .as("charts/.../crds is a copy of crds/: cp crds/%s charts/streaming-pipeline-operator/crds/", file)
        .isEqualTo(Files.readString(Path.of("..", "crds", file)));
  }

  @Test
  void valuesSchemaRejectsMistakesNamingTheField() throws IOException {
    assertThatThrownBy(() -> render(t -> t.set("replicas", "two")))
        .hasMessageContaining("replicas").hasMessageContaining("integer");
    assertThatThrownBy(() -> render(t -> t.set("watchNamespaces[0]", "Team_A")))
        .hasMessageContaining("watchNamespaces");
    assertThatThrownBy(() -> render(t -> t.set("metrics.serviceMonitor.enabeld", true)))
        .hasMessageContaining("enabeld");
    Path noNamespaces = Files.writeString(Files.createTempFile("values", ".yaml"), "watchNamespaces: []\n");
    assertThatThrownBy(() -> render(t -> t.withValuesFile(noNamespaces)))
        .hasMessageContaining("watchNamespaces: name at least one namespace");
  }

  @Test
  void grafanaDashboardIsValidAndShowsWhatUsersAskFor() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(CHART.resolve("dashboards/streaming-pipelines.json").toFile());
    List<String> titles = new ArrayList<>();
    dashboard.get("panels").forEach(p -> titles.add(p.get("title").asText()));
    assertThat(titles).contains("Input vs processed rows/s", "Kafka lag (offsets behind latest)", "Batch duration",
        "Executors", "Driver restarts (in status, since the last reset)");
  }

  private static String render(UnaryOperator<TemplateCommand> values) {
    return values.apply(new Helm(CHART).template().withName("spo").withNamespace("streaming-system").skipCrds()).call();
  }

  private static void assertMatchesFile(Path golden, String rendered) throws IOException {
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, rendered);
    }
    assertThat(rendered).as("%s is stale: rerun with -Dgolden.update=true and review the diff", golden)
        .isEqualTo(Files.readString(golden));
  }

  private static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode d = it.next();
        if (d != null && !d.isNull() && !d.isMissingNode() && d.size() > 0) {
          docs.add(d);
        }
      }
    }
    return docs;
  }

  private static List<String> kinds(List<JsonNode> docs) {
    return docs.stream().map(d -> d.path("kind").asText()).toList();
  }

  private static JsonNode only(List<JsonNode> docs, String kind) {
    List<JsonNode> matching = docs.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
    assertThat(matching).as(kind + " in " + kinds(docs)).hasSize(1);
    return matching.get(0);
  }
}
