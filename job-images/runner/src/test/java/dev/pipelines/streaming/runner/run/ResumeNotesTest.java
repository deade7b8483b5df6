package dev.pipelines.streaming.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.PipelineSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A resumed query says which startingOffsets it ignores; a new one says nothing. */
class ResumeNotesTest {
  @TempDir Path dir;

  static final PipelineSpec SPEC = PipelineLoader.parse("""
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: p}
      spec:
        sources:
          - {name: clicks, kafka: {bootstrapServers: "k:9092", topic: clicks, startingOffsets: earliest}, format: text}
          - {name: views, kafka: {bootstrapServers: "k:9092", topic: views}, format: text}
        transforms:
          - {name: kept, from: clicks, filter: "value IS NOT NULL"}
        sinks:
          - {name: out, from: kept, console: {}}
          - {name: other, from: views, console: {}}
      """).orThrow().spec();

  @Test
  void onlyAResumedCheckpointNamesTheIgnoredStartingOffsets() throws Exception {
    Path checkpoint = dir.resolve("out");
    assertThat(ResumeNotes.forSink(SPEC, SPEC.sinksOrEmpty().get(0), checkpoint.toString(), new Configuration())).isEmpty();

    Files.createDirectories(checkpoint.resolve("offsets"));
    Files.writeString(checkpoint.resolve("offsets/0"), "v1\n{}\n{}");
    assertThat(ResumeNotes.forSink(SPEC, SPEC.sinksOrEmpty().get(0), checkpoint.toString(), new Configuration()))
        .containsExactly("[out] resuming from its checkpoint: spec.sources[0].kafka.startingOffsets (earliest) applies "
            + "to a new checkpoint only; reading continues from the checkpoint's offsets");
    // a source left at its default says nothing
    assertThat(ResumeNotes.forSink(SPEC, SPEC.sinksOrEmpty().get(1), checkpoint.toString(), new Configuration())).isEmpty();
  }
}
