package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.crdv2.generator.CRDGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CRD in crds/ is generated from the api model (fabric8 crd-generator) and then given
 * what the model cannot say (printer columns, CEL rules). Stale file = failed test.
 * Regenerate: mvn -pl operator test -Dtest=CrdTest -Dcrds.update=true
 */
class CrdTest {
  static final Path COMMITTED = Path.of(System.getProperty("crds.dir", "../crds"), "streamingpipelines.streaming.pipelines.dev.yaml");

  @Test
  void committedCrdIsUpToDate(@TempDir Path dir) throws IOException {
    new CRDGenerator().customResourceClasses(StreamingPipelineResource.class).forCRDVersions("v1")
        .inOutputDir(dir.toFile()).generate();
    String generated = Files.readString(dir.resolve("streamingpipelines.streaming.pipelines.dev-v1.yml"));
    String crd = CrdCustomizer.customize(generated);
    if (Boolean.getBoolean("crds.update")) {
      Files.createDirectories(COMMITTED.getParent());
      Files.writeString(COMMITTED, crd);
    }
    // A missing file fails rather than being written: a test that writes its own expectation
    // passes on any output, and a fresh clone in CI would never see a diff.
    assertThat(COMMITTED).as("the committed CRD is missing: generate it with -Dcrds.update=true").exists();
    assertThat(crd).as("crds/ is stale: regenerate with -Dcrds.update=true").isEqualTo(Files.readString(COMMITTED));
  }
}
