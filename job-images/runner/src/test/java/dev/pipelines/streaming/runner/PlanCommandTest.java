package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.runner.CliTest.Result;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spo plan}: spec pairs to verdict lines and exit codes, and --from-cluster on a real API server. */
class PlanCommandTest {
  @TempDir Path dir;

  static final String OLD = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: shop}
      spec:
        sources:
          - name: clicks
            kafka: {bootstrapServers: "k:9092", topic: clicks}
            schema: [{name: page, type: string}, {name: userId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 30s}
        transforms:
          - name: perPage
            from: clicks
            window: {column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}
        sinks:
          - {name: archive, from: perPage, files: {path: /data/views, format: json}}
      """;

  static final String GROUP_BY_USER = "spec.transforms[0].window.groupBy: changed from [page] to [page, userId]; "
      + "grouping keys are the state's keys";

  static Stream<Arguments> pairs() {
    return Stream.of(
        Arguments.of("a compatible change", "delay: 30s", "delay: 2m", 0, List.of(
            "new.yaml: resumes old.yaml's checkpoint.",
            "On apply: the running driver stops after its current batch and the new spec starts on the same checkpoint "
                + "(state and source positions kept).")),
        Arguments.of("an incompatible change", "groupBy: [page]", "groupBy: [page, userId]", 3, List.of(
            "new.yaml: cannot resume old.yaml's checkpoint:",
            "  " + GROUP_BY_USER,
            "On apply: the operator starts nothing (reason IncompatibleChange); a running driver keeps running the old "
                + "spec. To start over instead, set spec.upgrade.onIncompatibleChange: resetCheckpoint.")));
  }

  private Result plan(String oldYaml, String newYaml) throws Exception {
    Path old = Files.writeString(dir.resolve("old.yaml"), oldYaml);
    Path now = Files.writeString(dir.resolve("new.yaml"), newYaml);
    return spo("plan", old.toString(), now.toString());
  }

  private List<String> lines(Result r) {
    return r.out().replace(dir + "/", "").lines().toList();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pairs")
  void verdicts(String what, String from, String to, int exit, List<String> expected) throws Exception {
    Result r = plan(OLD, OLD.replace(from, to));
    assertThat(lines(r)).as(r.err()).containsExactlyElementsOf(expected);
    assertThat(r.exit()).isEqualTo(exit);
  }

  @Test
  void resetCheckpointStartsANewEpochUnlessAFilesSinkKeepsItsPath() throws Exception {
    String reset = OLD.replace("groupBy: [page]", "groupBy: [page, userId]")
        + "  upgrade: {onIncompatibleChange: resetCheckpoint}\n";
    Result keepsPath = plan(OLD, reset);
    assertThat(lines(keepsPath)).containsExactly(
        "new.yaml: cannot resume old.yaml's checkpoint:",
        "  " + GROUP_BY_USER,
        "On apply: the operator starts nothing (reason ResetNeedsNewOutputPath): a new checkpoint restarts Spark's "
            + "batch ids at 0, and the files sink would skip them as already written; give "
            + "spec.sinks[0].files.path (/data/views) a new path.");
    assertThat(keepsPath.exit()).isEqualTo(3);

    Result newPath = plan(OLD, reset.replace("/data/views", "/data/views-v2"));
    assertThat(lines(newPath)).containsExactly(
        "new.yaml: cannot resume old.yaml's checkpoint:",
        "  spec.sinks[0].files.path: changed from '/data/views' to '/data/views-v2'; the output directory holds the "
            + "sink's commit log (_spark_metadata)",
        "  " + GROUP_BY_USER,
        "On apply: the operator starts it in a new checkpoint epoch (spec.upgrade.onIncompatibleChange: "
            + "resetCheckpoint): state and source positions start over (Kafka from startingOffsets); the old "
            + "checkpoint is kept.");
    assertThat(newPath.exit()).isEqualTo(3);
  }

  /**
   * The user's case (#36): a sql step changed to read its one source twice (a union of two
   * filters). No field changed by name, so a comparison of YAML says it resumes; Spark's plans
   * hold one source read against two, as {@code spo run}'s guard counts them against the
   * checkpoint. {@code spo plan} now says what the runner says.
   */
  @Test
  void aSourceReadTwiceCannotResumeAsTheRunnerSays() throws Exception {
    String once = OLD.replace("window: {column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}",
        "sql: \"SELECT page, userId, ts FROM clicks WHERE page LIKE '/a%'\"");
    String twice = once.replace("WHERE page LIKE '/a%'",
        "WHERE page LIKE '/a%' UNION ALL SELECT page, userId, ts FROM clicks WHERE page LIKE '/b%'");

    Result r = plan(once, twice);

    assertThat(lines(r)).as(r.err()).containsExactly(
        "new.yaml: cannot resume old.yaml's checkpoint:",
        "  spec.sinks[0] (archive): reads 2 streaming sources as Spark counts them, the checkpoint holds 1; Spark "
            + "resumes a query only with the sources it was started with (a source read twice, e.g. in a union in a "
            + "sql step, counts twice)",
        "On apply: the operator sees no incompatible field, so a running driver stops after its current batch, then "
            + "the new driver refuses the checkpoint (exit 3; Ready=False, reason IncompatibleCheckpoint) and nothing "
            + "runs until the change is undone or the pipeline starts over in a new checkpoint.");
    assertThat(r.exit()).isEqualTo(3);

    Result same = plan(twice, twice.replace("'/b%'", "'/c%'"));
    assertThat(same.exit()).as(same.out() + same.err()).isZero();
    Result specOnly = spo("plan", "--spec-only", dir.resolve("old.yaml").toString(), dir.resolve("new.yaml").toString());
    assertThat(specOnly.exit()).as("--spec-only compares the YAML only").isZero();
  }

  @Test
  void invalidFilesAndAnotherPipelineAreSaidSo() throws Exception {
    Result invalid = plan(OLD, OLD.replace("size: 1m", "size: soon"));
    assertThat(invalid.exit()).isEqualTo(2);
    assertThat(invalid.err()).contains("spec.transforms[0].window.size: 'soon' is not a duration");

    Result renamed = plan(OLD, OLD.replace("name: shop", "name: shop-v2"));
    assertThat(lines(renamed)).containsExactly(
        "new.yaml: pipeline 'shop-v2' is not 'shop' of old.yaml: another name is another checkpoint, nothing to resume");
    assertThat(renamed.exit()).isEqualTo(3);

    assertThat(spo("plan", "only.yaml").exit()).isEqualTo(2);
  }

  @Test
  void fromClusterComparesWithTheSpecThatLastRan() throws Exception {
    KubernetesClient admin = RealApiServer.adminClient();
    RealApiServer.installCrd(admin);
    String ns = "plan-" + Long.toHexString(System.nanoTime());
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    Path now = Files.writeString(dir.resolve("new.yaml"), OLD.replace("groupBy: [page]", "groupBy: [page, userId]"));
    String previous = System.getProperty("kubeconfig");
    System.setProperty("kubeconfig", RealApiServer.kubeconfigFile().toString());
    try {
      // nothing has run: no record, no pipeline
      Result fresh = spo("plan", now.toString(), "--from-cluster", "-n", ns);
      assertThat(lines(fresh)).containsExactly("new.yaml: nothing has run for " + ns + "/shop yet.",
          "On apply: the operator starts it on a new checkpoint.");
      assertThat(fresh.exit()).isZero();

      // a driver ran and the record is gone: fail closed, as the operator does
      var pipelines = admin.genericKubernetesResources("streaming.pipelines.dev/v1alpha1", "StreamingPipeline").inNamespace(ns);
      GenericKubernetesResource live = pipelines.resource(io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
          OLD.replace("metadata: {name: shop}", "metadata: {name: shop, namespace: " + ns + "}"),
          GenericKubernetesResource.class)).create();
      live.setAdditionalProperty("status", Map.of("driver", Map.of("pod", "shop-driver-1"),
          "checkpoint", Map.of("location", "/checkpoints/shop/0", "epoch", 0)));
      pipelines.resource(live).updateStatus();
      Result unknown = spo("plan", now.toString(), "--from-cluster", "-n", ns);
      assertThat(lines(unknown)).containsExactly(
          "new.yaml: a driver of " + ns + "/shop ran, but the spec it ran (ConfigMap " + ns + "/shop-spec) is gone.",
          "On apply: the operator starts nothing (Ready=False, reason UnknownCheckpointSpec): the spec that last ran on "
              + "checkpoint /checkpoints/shop/0 is unknown (ConfigMap shop-spec is missing), so generation 2 cannot be "
              + "checked against it. Nothing is started. Set spec.upgrade.onIncompatibleChange: resetCheckpoint to start "
              + "in a fresh checkpoint (the old one is kept), or restore the ConfigMap (see "
              + "docs/operator.md#unknown-checkpoint-spec)");
      assertThat(unknown.exit()).isEqualTo(3);

      // the operator's record of the spec that last ran
      admin.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata()
          .withName(SpecRecordNames.configMap("shop")).addToAnnotations(SpecRecordNames.ANNOTATION_EPOCH, "0").endMetadata()
          .addToData(SpecRecordNames.SPEC_FILE, OLD).build()).create();
      Result refused = spo("plan", now.toString(), "--from-cluster", "-n", ns);
      assertThat(lines(refused)).startsWith(
          "new.yaml: cannot resume the checkpoint of the spec that last ran (ConfigMap " + ns + "/shop-spec):",
          "  " + GROUP_BY_USER,
          "On apply: the operator starts nothing (Ready=False, reason IncompatibleChange): generation 2 cannot resume "
              + "from the checkpoint: " + GROUP_BY_USER
              + ". Set spec.upgrade.onIncompatibleChange: resetCheckpoint to start over in a fresh checkpoint");
      assertThat(refused.exit()).isEqualTo(3);

      Files.writeString(now, OLD.replace("delay: 30s", "delay: 1m"));
      Result resumes = spo("plan", now.toString(), "--from-cluster", "-n", ns);
      assertThat(lines(resumes)).containsExactly(
          "new.yaml: resumes the checkpoint of the spec that last ran (ConfigMap " + ns + "/shop-spec).",
          "On apply: a running driver stops after its current batch, then the operator starts it on the same checkpoint.");
      assertThat(resumes.exit()).isZero();
    } finally {
      if (previous == null) {
        System.clearProperty("kubeconfig");
      } else {
        System.setProperty("kubeconfig", previous);
      }
      admin.namespaces().withName(ns).delete();
    }
  }
}
