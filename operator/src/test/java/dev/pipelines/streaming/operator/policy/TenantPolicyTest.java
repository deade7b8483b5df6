package dev.pipelines.streaming.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The admin's policy: each refusal names the field, and what is within it passes. */
class TenantPolicyTest {
  static final TenantPolicy IMAGES = new TenantPolicy("ghcr.io/spo/runner:1", List.of("ghcr.io/team-a/", "quay.io/x/y:2"),
      "spo-system", false, false, TenantPolicy.Limits.NONE, null, true);

  static StreamingPipeline pipeline(String extra) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """ + extra.indent(2)).orThrow();
  }

  static List<String> refused(TenantPolicy policy, String namespace, String extra) {
    return policy.check(namespace, pipeline(extra)).stream().map(Problem::toString).toList();
  }

  @Test
  void imagesAreTheRunnerImageListedImagesOrUnderAListedPrefix() {
    for (String ok : List.of("", "image: ghcr.io/spo/runner:1", "image: ghcr.io/team-a/runner:7", "image: quay.io/x/y:2")) {
      assertThat(refused(IMAGES, "analytics", ok)).as(ok).isEmpty();
    }
    for (String no : List.of("ghcr.io/team-a-evil/runner:1", "ghcr.io/spo/runner:2", "quay.io/x/y:3", "ghcr.io/team-a")) {
      assertThat(refused(IMAGES, "analytics", "image: " + no)).as(no).containsExactly("spec.image: '" + no
          + "' is not an image the operator's tenant policy allows (allowed: ghcr.io/spo/runner:1, ghcr.io/team-a/,"
          + " quay.io/x/y:2; remove spec.image for the runner image, or ask an admin to add it to"
          + " tenantPolicy.allowedImages)");
    }
  }

  @Test
  void sidecarsAndInitContainersOfPodTemplatesAreHeldToTheImagesToo() {
    assertThat(refused(IMAGES, "a", """
        podTemplates:
          driver: {spec: {containers: [{name: spark-kubernetes-driver}, {name: side, image: evil.example.com/x:1}]}}
          executor: {spec: {initContainers: [{name: init, image: ghcr.io/team-a/init:1}, {name: i2, image: busybox}]}}
        """)).containsExactly(
        "spec.podTemplates.driver.spec.containers[1].image: 'evil.example.com/x:1' is not an image the operator's tenant"
            + " policy allows (allowed: ghcr.io/spo/runner:1, ghcr.io/team-a/, quay.io/x/y:2)",
        "spec.podTemplates.executor.spec.initContainers[1].image: 'busybox' is not an image the operator's tenant policy"
            + " allows (allowed: ghcr.io/spo/runner:1, ghcr.io/team-a/, quay.io/x/y:2)");
  }

  /** The deny-list is part of every policy, the built-in entries and the operator's namespace included. */
  @Test
  void aSinkPointedAtTheMetadataServiceOrTheOperatorIsRefused() {
    StreamingPipeline p = PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}}]
          sinks:
            - {name: a, from: clicks, http: {url: 'http://169.254.169.254/computeMetadata/v1/'}}
            - {name: b, from: clicks, http: {url: 'http://streaming-pipeline-operator.spo-system:8081/'}}
        """).orThrow();
    assertThat(IMAGES.check("analytics", p)).extracting(Problem::path).containsExactly("spec.sinks[0].http.url",
        "spec.sinks[1].http.url");
  }

  /** What the admission policy would refuse in every executor is refused before the driver starts, naming the field. */
  @Test
  void anExecutorTemplateTheAdmissionPolicyWouldRefuseIsRefusedFirst() {
    String template = """
        podTemplates:
          executor:
            spec:
              nodeName: node-1
              volumes: [{name: tls, secret: {secretName: kafka-tls}}]
              containers: [{name: spark-kubernetes-executor, envFrom: [{secretRef: {name: creds}}]}]
        """;
    assertThat(refused(IMAGES, "a", template)).containsExactly(
        "spec.podTemplates.executor.spec.nodeName: executors may not choose nodeName; the operator's admission policy"
            + " refuses such executors (docs/operator.md#drivers-are-held-by-admission-not-by-convention) (remove it; use"
            + " nodeSelector or affinity to choose nodes)",
        "spec.podTemplates.executor.spec.volumes[0].secret: executors may mount only emptyDir, configMap, projected,"
            + " downwardAPI and the pipeline's checkpoint claim, not secret; the operator's admission policy refuses such"
            + " executors (docs/operator.md#drivers-are-held-by-admission-not-by-convention)",
        "spec.podTemplates.executor.spec.containers[0].envFrom[0].secretRef: executors may not read Secrets; the"
            + " operator's admission policy refuses such executors"
            + " (docs/operator.md#drivers-are-held-by-admission-not-by-convention)");
    TenantPolicy noAdmission = new TenantPolicy("ghcr.io/spo/runner:1", List.of(), "spo-system", false, false,
        TenantPolicy.Limits.NONE, null, false);
    assertThat(refused(noAdmission, "a", template)).as("a cluster without the admission policy: the admin's choice").isEmpty();
  }

  static StreamingPipeline withClaimAndSecret(String claim, String secret) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {claimName: %s}}
          sources:
            - name: clicks
              kafka:
                bootstrapServers: "k:9092"
                topic: t
                credentials:
                  username: {secretKeyRef: {name: kafka, key: user}}
                  password: {secretKeyRef: {name: %s, key: token}}
              format: text
          sinks: [{name: out, from: clicks, console: {}}]
        """.formatted(claim, secret)).orThrow();
  }

  @Test
  void anotherPipelinesControlTokenOrCheckpointClaimIsOutOfReach() {
    assertThat(IMAGES.check("a", withClaimAndSecret("billing-checkpoints", "billing-control")).stream().map(Problem::toString))
        .containsExactly(
        "spec.sources[0].kafka.credentials.password.secretKeyRef.name: 'billing-control': Secrets named *-control hold"
            + " pipelines' control tokens and may not be referenced (rename the Secret)",
        "spec.checkpoint.pvc.claimName: 'billing-checkpoints' is not this pipeline's own claim (clicks-checkpoints); it"
            + " could be another pipeline's checkpoint (remove claimName for a claim the operator creates, name the claim"
            + " clicks-checkpoints, or ask an admin for tenantPolicy.allowCustomClaims)");
    assertThat(IMAGES.check("a", withClaimAndSecret("clicks-checkpoints", "kafka"))).isEmpty();
    assertThat(new TenantPolicy("r", List.of(), null, false, true, null, null, true).check("a", withClaimAndSecret("shared", "kafka")))
        .isEmpty();
  }

  @Test
  void theOperatorsOwnNamespaceIsRefusedUnlessAllowed() {
    assertThat(refused(IMAGES, "spo-system", "")).singleElement().asString()
        .startsWith("metadata.namespace: the operator runs no pipelines in its own namespace (spo-system)");
    assertThat(refused(new TenantPolicy("r", List.of(), "spo-system", true, false, null, null, true), "spo-system", "")).isEmpty();
    assertThat(refused(new TenantPolicy("r", List.of(), null, false, false, null, null, true), "spo-system", ""))
        .as("outside a cluster the operator's namespace is unknown").isEmpty();
  }

  @Test
  void resourceLimitsNameTheFieldAndAllowExactlyTheLimit() {
    TenantPolicy capped = new TenantPolicy("r", List.of(), null, false, false, new TenantPolicy.Limits(4, 2, "4g"), null, true);
    assertThat(refused(capped, "a", """
        driver: {cores: 2, memory: 4096m}
        executor: {instances: 4, cores: 2, memory: 4g}
        """)).as("at the limit").isEmpty();
    assertThat(refused(capped, "a", """
        driver: {cores: 3, memory: 5g}
        executor: {instances: 5, cores: 1, memory: 4097m}
        """)).containsExactly(
        "spec.executor.instances: 5 executors; the operator's tenant policy allows at most 4",
        "spec.driver.cores: 3 cores; the operator's tenant policy allows at most 2 per pod",
        "spec.driver.memory: 5g; the operator's tenant policy allows at most 4g per pod",
        "spec.executor.memory: 4097m; the operator's tenant policy allows at most 4g per pod");
    assertThat(refused(capped, "a", "autoscaling: {maxExecutors: 8}"))
        .containsExactly("spec.autoscaling.maxExecutors: 8 executors; the operator's tenant policy allows at most 4");
    assertThat(refused(capped, "a", "autoscaling: {maxExecutors: 2, dryRun: true}\nexecutor: {instances: 500}"))
        .as("autoscaling does not hide the instances Spark starts with")
        .containsExactly("spec.executor.instances: 500 executors; the operator's tenant policy allows at most 4");
    assertThat(refused(capped, "a", "sparkConf: {spark.kubernetes.executor.request.cores: \"64\", spark.executor.memoryOverhead: 200g}"))
        .as("a limit is not one Spark key away").containsExactly(
            "spec.sparkConf[\"spark.kubernetes.executor.request.cores\"]: changes what a pod asks for, which the operator's"
                + " tenant policy limits (remove it; set cores and memory instead)",
            "spec.sparkConf[\"spark.executor.memoryOverhead\"]: changes what a pod asks for, which the operator's"
                + " tenant policy limits (remove it; set cores and memory instead)");
    assertThatThrownBy(() -> new TenantPolicy.Limits(null, null, "lots")).hasMessageContaining("'lots'");
  }
}
