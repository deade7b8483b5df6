package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.testing.PostgresServer.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.model.JdbcSinkSpec;
import dev.pipelines.streaming.runner.jdbc.JdbcBatchWriter;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.PostgresServer;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PostgreSQL sink against a real server: table creation, upsert, replayed batches. */
class JdbcSinkTest {
  static SparkSession spark;
  static PostgresServer postgres;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    postgres = PostgresServer.shared();
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void createsTheTableWithMappedTypesAndSkipsReplayedBatches() throws Exception {
    String url = postgres.createDatabase("replays");
    JdbcSinkSpec spec = new JdbcSinkSpec(url, "public.scores", JdbcSinkSpec.JdbcWriteMode.UPSERT, List.of("id"), null, null);
    JdbcBatchWriter writer = new JdbcBatchWriter("demo", "scores", spec, Map.of());
    Dataset<Row> first = spark.sql("SELECT 1L AS id, 'a' AS name, CAST(1.50 AS DECIMAL(10,2)) AS amount,"
        + " TIMESTAMP'2026-01-01 10:00:00' AS at, array('x','y') AS tags");
    Dataset<Row> second = spark.sql("SELECT 1L AS id, 'b' AS name, CAST(2.00 AS DECIMAL(10,2)) AS amount,"
        + " TIMESTAMP'2026-01-01 11:00:00' AS at, array('z') AS tags UNION ALL "
        + "SELECT 2L, 'c', CAST(3.00 AS DECIMAL(10,2)), TIMESTAMP'2026-01-01 12:00:00', array()");

    UUID checkpoint = UUID.randomUUID();
    asQuery(checkpoint, () -> {
      writer.call(first, 0L);
      writer.call(second, 1L);
      writer.call(first, 1L);  // a replay of batch 1 after a crash: must change nothing
      writer.call(first, 0L);
    });

    assertThat(query(url, "SELECT column_name, data_type FROM information_schema.columns "
        + "WHERE table_name = 'scores' ORDER BY ordinal_position")).containsExactly(
            "id bigint", "name text", "amount numeric", "at timestamp with time zone", "tags jsonb");
    assertThat(query(url, "SELECT id, name, amount, at AT TIME ZONE 'UTC', tags::text FROM scores ORDER BY id"))
        .containsExactly("1 b 2.00 2026-01-01 11:00:00.0 [\"z\"]", "2 c 3.00 2026-01-01 12:00:00.0 []");
    assertThat(query(url, "SELECT query_id, pipeline, sink, target_table, batch_id FROM spo_query_commits"))
        .containsExactly(checkpoint + " demo scores public.scores 1");

    // A new checkpoint (reset, or the same pipeline name in another namespace) has a new query
    // id and starts again at batch 0: its batches are new, not replays of the old ones.
    UUID fresh = UUID.randomUUID();
    asQuery(fresh, () -> writer.call(spark.sql("SELECT 3L AS id, 'd' AS name, CAST(4.00 AS DECIMAL(10,2)) AS amount,"
        + " TIMESTAMP'2026-01-01 13:00:00' AS at, array('w') AS tags"), 0L));
    assertThat(query(url, "SELECT id, name FROM scores ORDER BY id")).containsExactly("1 b", "2 c", "3 d");
    assertThat(query(url, "SELECT query_id, batch_id FROM spo_query_commits ORDER BY batch_id"))
        .containsExactly(fresh + " 0", checkpoint + " 1");
  }

  /**
   * docs/spec.md: a key repeated within one batch is written in the batch's order, so within one
   * input partition (one Kafka partition, one file) the last row wins.
   */
  @Test
  void aKeyRepeatedInOneBatchKeepsItsLastRowOfAPartition() throws Exception {
    String url = postgres.createDatabase("repeats");
    JdbcSinkSpec spec = new JdbcSinkSpec(url, "latest", JdbcSinkSpec.JdbcWriteMode.UPSERT, List.of("id"), null, null);
    JdbcBatchWriter writer = new JdbcBatchWriter("demo", "latest", spec, Map.of());
    Dataset<Row> batch = spark.sql("SELECT * FROM VALUES (1L, 'first'), (2L, 'only'), (1L, 'second'), (1L, 'third')"
        + " AS t(id, status)").coalesce(1);
    asQuery(UUID.randomUUID(), () -> writer.call(batch, 0L));
    assertThat(query(url, "SELECT id, status FROM latest ORDER BY id")).containsExactly("1 third", "2 only");
  }

  /** What the sink writes from foreachBatch; the calls here run on this thread. */
  interface SinkCalls {
    void run() throws Exception;
  }

  /**
   * Runs {@code calls} as the streaming query {@code queryId}: foreachBatch runs on the query's
   * thread, where Spark sets the query id, and the sink reads it there.
   */
  static void asQuery(UUID queryId, SinkCalls calls) throws Exception {
    spark.sparkContext().setLocalProperty(dev.pipelines.streaming.runner.spark.StreamingJobProperties.QUERY_ID, queryId.toString());
    try {
      calls.run();
    } finally {
      spark.sparkContext().setLocalProperty(dev.pipelines.streaming.runner.spark.StreamingJobProperties.QUERY_ID, null);
    }
  }

  @Test
  void windowedCountsUpsertedFromAPipeline() throws Exception {
    String url = postgres.createDatabase("windows");
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.json"), """
        {"page":"/home","ts":"2026-01-01T10:00:05Z"}
        {"page":"/home","ts":"2026-01-01T10:00:25Z"}
        {"page":"/cart","ts":"2026-01-01T10:00:40Z"}
        {"page":"/home","ts":"2026-01-01T10:01:10Z"}
        """);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: views}
        spec:
          sources:
            - name: clicks
              files: {path: "%s", format: json}
              schema: [{name: page, type: string}, {name: ts, type: timestamp}]
          transforms:
            - name: perMinute
              from: clicks
              window: {column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}
          sinks:
            - name: toPostgres
              from: perMinute
              outputMode: update
              trigger: {availableNow: true}
              jdbc: {url: "%s", table: page_views, mode: upsert, keys: [windowStart, page]}
        """.formatted(in, url);

    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();

    // A crash after the batch reached PostgreSQL but before Spark recorded it: Spark replays
    // batch 0, the sink finds it committed, and the stateful query must still advance.
    Files.delete(dir.resolve("cp/views/toPostgres/commits/0"));
    Files.deleteIfExists(dir.resolve("cp/views/toPostgres/commits/.0.crc"));
    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();
    assertThat(query(url, "SELECT sum(views) FROM page_views")).containsExactly("4");

    Files.writeString(in.resolve("b.json"), """
        {"page":"/home","ts":"2026-01-01T10:00:59Z"}
        """);
    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();

    assertThat(query(url, "SELECT \"windowStart\" AT TIME ZONE 'UTC', page, views FROM page_views ORDER BY 1, 2"))
        .containsExactly(
            "2026-01-01 10:00:00.0 /cart 1",
            "2026-01-01 10:00:00.0 /home 3",
            "2026-01-01 10:01:00.0 /home 1");
  }
}
