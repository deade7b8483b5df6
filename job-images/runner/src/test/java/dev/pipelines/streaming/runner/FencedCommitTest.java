package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.runner.fence.CommitFence;
import dev.pipelines.streaming.runner.fence.FencedCheckpointFileManager;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit fence: Spark picks {@link FencedCheckpointFileManager} through its own setting,
 * and a refused commit leaves nothing behind, whether it was refused before the write or just
 * before the rename that makes it visible. A streaming query on a fenced session fails on its
 * first commit instead of writing one.
 */
class FencedCommitTest {
  @TempDir Path dir;
  final AtomicReference<String> refusal = new AtomicReference<>();

  @AfterEach
  void clearFence() {
    CommitFence.clear();
  }

  @Test
  void aRefusedCommitLeavesNothingBehind() throws Exception {
    Configuration conf = new Configuration();
    conf.set(FencedCheckpointFileManager.CONF, FencedCheckpointFileManager.class.getName());
    CheckpointFileManager files = CheckpointFileManager.create(new org.apache.hadoop.fs.Path(dir.toUri()), conf);
    assertThat(files).as("Spark's own hook picks the fenced manager").isInstanceOf(FencedCheckpointFileManager.class);
    CommitFence.install(refusal::get);

    write(files, "0");
    assertThat(dir.resolve("0")).as("allowed: committed").hasContent("batch");

    var started = files.createAtomic(new org.apache.hadoop.fs.Path(dir.resolve("1").toUri()), false);
    started.write("batch".getBytes(StandardCharsets.UTF_8));
    refusal.set("lost the checkpoint Lease ns/p to runner-b");
    assertThatThrownBy(started::close)
        .hasMessageStartingWith("not committing ").hasMessageEndingWith("/1: lost the checkpoint Lease ns/p to runner-b");
    assertThat(dir.resolve("1")).as("refused before the rename: not visible").doesNotExist();

    assertThatThrownBy(() -> write(files, "2")).hasMessageEndingWith("/2: lost the checkpoint Lease ns/p to runner-b");
    try (var left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")))
          .as("no temporary file left either (Hadoop's checksum files aside)").containsExactly("0");
    }
  }

  @Test
  void aFencedStreamingQueryFailsInsteadOfCommitting() throws Exception {
    SparkSession spark = SparkTestSession.create();
    try {
      spark.conf().set(FencedCheckpointFileManager.CONF, FencedCheckpointFileManager.class.getName());
      CommitFence.install(() -> "this driver does not hold the checkpoint Lease ns/p");
      // the query's metadata file is its first commit: refused in start() already
      assertThatThrownBy(() -> {
        StreamingQuery query = spark.readStream().format("rate").load().writeStream().format("json")
            .option("checkpointLocation", dir.resolve("checkpoint").toString())
            .start(dir.resolve("out").toString());
        query.awaitTermination(TimeUnit.MINUTES.toMillis(2));
      }).hasMessageContaining("not committing").hasMessageContaining("does not hold the checkpoint Lease ns/p");
      assertThat(dir.resolve("checkpoint/metadata")).doesNotExist();
      assertThat(dir.resolve("checkpoint/offsets/0")).doesNotExist();
      assertThat(dir.resolve("out/_spark_metadata/0")).doesNotExist();
    } finally {
      spark.conf().unset(FencedCheckpointFileManager.CONF);
      spark.stop();
    }
  }

  private static void write(CheckpointFileManager files, String name) throws Exception {
    var out = files.createAtomic(new org.apache.hadoop.fs.Path(files.createCheckpointDirectory(), name), false);
    out.write("batch".getBytes(StandardCharsets.UTF_8));
    out.close();
  }
}
