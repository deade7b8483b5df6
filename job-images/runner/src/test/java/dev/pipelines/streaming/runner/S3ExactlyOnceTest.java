package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.storage.AbortableCheckpointFileManager;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import dev.pipelines.streaming.runner.testing.S3Server;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints and a files sink on an S3 API server (moto on 127.0.0.1) through Hadoop's S3A
 * connector, credentials from the environment as a pod gets them from a Secret. The runner is
 * SIGKILLed twice mid-stream and restarted: the committed output holds every row exactly once.
 * {@code --reset-checkpoint}, which would copy the checkpoint object by object, is refused there.
 */
class S3ExactlyOnceTest {
  @TempDir Path dir;

  @Test
  void checkpointsAndFilesOnS3KilledTwiceEveryRowExactlyOnce() throws Exception {
    S3Server s3 = S3Server.sharedOrSkip();
    String bucket = s3.createBucket("exactly-once");
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: crashy-s3}
        spec:
          sparkConf:
        %s
          sources:
            - name: clicks
              generator: {rowsPerSecond: 200}
          transforms:
            - {name: rows, from: clicks, select: [eventId, userId, amount]}
          sinks:
            - name: archive
              from: rows
              trigger: {processingTime: 1s}
              files: {path: "s3a://%s/out", format: json}
        """.formatted(s3.sparkConfYaml(4), bucket));
    String out = "s3a://" + bucket + "/out";
    Path logs = Files.createDirectories(Path.of("target", "s3-exactly-once"));

    for (int run = 1; run <= 3; run++) {
      RunnerProcess runner = RunnerProcess.start(s3.credentialsEnv(), spec, "s3a://" + bucket + "/checkpoints",
          logs.resolve("run-" + run + ".log"));
      int target = s3.committedBatches(out) + 2;
      runner.await(target + " committed batches", () -> s3.committedBatches(out) >= target, Duration.ofMinutes(3));
      if (run < 3) {
        runner.kill();
      } else {
        assertThat(runner.stop()).as("exit code of a graceful stop (SIGTERM)").isZero();
      }
    }

    RunnerProcess reset = RunnerProcess.start(s3.credentialsEnv(), spec, "s3a://" + bucket + "/checkpoints",
        logs.resolve("reset.log"), "--reset-checkpoint");
    assertThat(reset.awaitExit(Duration.ofMinutes(2))).as("exit code of a refused start").isEqualTo(3);
    assertThat(reset.log()).contains("--reset-checkpoint: s3a://" + bucket + "/checkpoints/crashy-s3 is on s3a://,"
        + " where moving a directory aside copies it object by object; a crash halfway would leave two partial checkpoints");

    var checkpoint = new org.apache.hadoop.fs.Path("s3a://" + bucket + "/checkpoints/crashy-s3");
    try (FileSystem fs = s3.fileSystem(bucket)) {
      assertThat(fs.getFileStatus(new org.apache.hadoop.fs.Path(checkpoint, "archive/spo-query.json")).isFile()).as("the spec record, on S3").isTrue();
      List<String> names = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> files = fs.listFiles(checkpoint, true);
      while (files.hasNext()) {
        names.add(checkpoint.toUri().relativize(files.next().getPath().toUri()).getPath());
      }
      assertThat(names).as("offsets and commits written").contains("archive/offsets/0", "archive/commits/0");
      assertThat(names).filteredOn(n -> n.endsWith(".tmp"))
          .as("no temporary files: checkpoint files are written in place and aborted on failure").isEmpty();
    }

    SparkSession spark = SparkTestSession.create();
    try {
      Configuration hadoop = spark.sparkContext().hadoopConfiguration();
      s3.hadoopConf().forEach(hadoop::set);
      assertThat(AbortableCheckpointFileManager.create(new org.apache.hadoop.fs.Path("s3a://" + bucket + "/x"), hadoop))
          .as("S3A streams can abort, so checkpoints use the object-store manager").isInstanceOf(AbortableCheckpointFileManager.class);
      assertThat(AbortableCheckpointFileManager.create(new org.apache.hadoop.fs.Path(dir.toUri()), hadoop))
          .as("local disks keep Spark's rename-based manager").isNotInstanceOf(AbortableCheckpointFileManager.class);

      // Spark reads only the files the sink's commit log lists, as any consumer should.
      Dataset<Row> rows = spark.read().json(out);
      long total = rows.count();
      long distinct = rows.select("eventId").distinct().count();
      Row range = rows.selectExpr("min(eventId)", "max(eventId)").first();
      assertThat(total).as("rows written").isGreaterThan(600);
      assertThat(distinct).as("no row duplicated").isEqualTo(total);
      assertThat(range.getLong(0)).as("first row kept").isZero();
      assertThat(range.getLong(1) + 1).as("no row lost: ids are contiguous").isEqualTo(total);
    } finally {
      spark.stop();
    }
  }
}
