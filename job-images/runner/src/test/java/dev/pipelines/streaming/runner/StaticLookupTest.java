package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.plan.LiveSources;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.run.CheckpointLayout;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.PostgresServer;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static lookup tables joined to a stream, against a real PostgreSQL and a real directory: read
 * once, cached, and read again every refreshInterval — rows added to a lookup join from the
 * first micro-batch after its refresh, and not before.
 */
class StaticLookupTest {
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

  /** A running pipeline whose runner lines the test can read. */
  record Running(StreamingQuery query, ByteArrayOutputStream log, PipelineRunner runner) {
    /** Waits (at most a minute) for a runner line. */
    void awaitLine(String line) throws InterruptedException {
      for (int i = 0; i < 600 && !log.toString().lines().toList().contains(line); i++) {
        Thread.sleep(100);
      }
      assertThat(log.toString().lines()).as(log.toString()).contains(line);
    }

    void stop() {
      PipelineRunner.stopNow(query);
      runner.awaitTermination(List.of(query));
    }
  }

  private Running start(String yaml) {
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    SecretResolver secrets = SecretResolver.fromSystemEnvironment();
    PipelineRunner runner = new PipelineRunner(spark, new CheckpointLayout(dir.resolve("cp").toString()), secrets,
        new PrintStream(log, true));
    List<StreamingQuery> queries = runner.start(
        PipelinePlanner.plan(spark, Pipelines.parse(yaml), new LiveSources(spark, secrets)));
    return new Running(queries.get(0), log, runner);
  }

  private List<String> output() {
    return spark.read().json(dir.resolve("out").toString()).orderBy("page").toJSON().collectAsList();
  }

  private static void execute(String url, String... statements) throws Exception {
    try (var c = DriverManager.getConnection(url)) {
      for (String sql : statements) {
        c.createStatement().execute(sql);
      }
    }
  }

  @Test
  void aJdbcLookupIsCachedAndReadAgainEveryRefreshInterval() throws Exception {
    String url = postgres.createDatabase("lookups");
    execute(url, "CREATE TABLE users (\"userId\" text PRIMARY KEY, name text)",
        "CREATE TABLE tiers (\"userId\" text PRIMARY KEY, tier text, level int)",
        "INSERT INTO users VALUES ('u1', 'Ann')", "INSERT INTO tiers VALUES ('u1', 'gold', 1)");
    Path clicks = Files.createDirectories(dir.resolve("clicks"));
    Files.writeString(clicks.resolve("1.json"), """
        {"userId":"u1","page":"/a"}
        {"userId":"u2","page":"/b"}
        """);
    Running running = start("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: lookups}
        spec:
          sources:
            - name: clicks
              files: {path: "%1$s", format: json}
              schema: [{name: userId, type: string}, {name: page, type: string}]
            - {name: users, jdbc: {url: "%2$s", table: users, refreshInterval: 1s}}
            - name: tiers
              jdbc:
                url: "%2$s"
                table: tiers
                refreshInterval: 1h
                # read in two parallel ranges of level
                options: {partitionColumn: level, lowerBound: "1", upperBound: "3", numPartitions: "2", fetchsize: "500"}
          transforms:
            - {name: named, from: [clicks, users], join: {type: left, keys: userId}}
            - {name: enriched, from: [named, tiers], join: {type: left, keys: userId}}
          sinks:
            - {name: out, from: enriched, trigger: {processingTime: 1s}, files: {path: "%3$s", format: json}}
        """.formatted(clicks, url, dir.resolve("out")));
    try {
      running.query().processAllAvailable();
      assertThat(output()).containsExactly(
          "{\"level\":1,\"name\":\"Ann\",\"page\":\"/a\",\"tier\":\"gold\",\"userId\":\"u1\"}",
          "{\"page\":\"/b\",\"userId\":\"u2\"}");

      execute(url, "INSERT INTO users VALUES ('u2', 'Bob')", "INSERT INTO tiers VALUES ('u2', 'silver', 2)");
      running.awaitLine("[users] static table read again: 2 rows");
      Files.writeString(clicks.resolve("2.json"), "{\"userId\":\"u2\",\"page\":\"/c\"}\n");
      running.query().processAllAvailable();

      // users was read again; tiers, cached for an hour, was not scanned for the new batch
      assertThat(output()).containsExactly(
          "{\"level\":1,\"name\":\"Ann\",\"page\":\"/a\",\"tier\":\"gold\",\"userId\":\"u1\"}",
          "{\"page\":\"/b\",\"userId\":\"u2\"}",
          "{\"name\":\"Bob\",\"page\":\"/c\",\"userId\":\"u2\"}");
      assertThat(running.log().toString()).doesNotContain("[tiers] static table read again");
    } finally {
      running.stop();
    }
  }

  @Test
  void aStaticFilesLookupSeesFilesAddedAfterItsRefresh() throws Exception {
    Path users = Files.createDirectories(dir.resolve("users"));
    Files.writeString(users.resolve("1.json"), "{\"userId\":\"u1\",\"name\":\"Ann\"}\n");
    Path clicks = Files.createDirectories(dir.resolve("clicks"));
    Files.writeString(clicks.resolve("1.json"), "{\"userId\":\"u2\",\"page\":\"/a\"}\n");
    Running running = start("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: lookups}
        spec:
          sources:
            - name: clicks
              files: {path: "%1$s", format: json}
              schema: [{name: userId, type: string}, {name: page, type: string}]
            - name: users
              files: {path: "%2$s", format: json, static: true, refreshInterval: 1s}
              schema: [{name: userId, type: string}, {name: name, type: string}]
          transforms:
            - {name: named, from: [clicks, users], join: {type: left, keys: userId}}
          sinks:
            - {name: out, from: named, trigger: {processingTime: 1s}, files: {path: "%3$s", format: json}}
        """.formatted(clicks, users, dir.resolve("out")));
    try {
      running.query().processAllAvailable();
      Files.writeString(users.resolve("2.json"), "{\"userId\":\"u2\",\"name\":\"Bob\"}\n");
      running.awaitLine("[users] static table read again: 2 rows");
      Files.writeString(clicks.resolve("2.json"), "{\"userId\":\"u2\",\"page\":\"/b\"}\n");
      running.query().processAllAvailable();

      assertThat(output()).containsExactly(
          "{\"page\":\"/a\",\"userId\":\"u2\"}",
          "{\"name\":\"Bob\",\"page\":\"/b\",\"userId\":\"u2\"}");
    } finally {
      running.stop();
    }
  }
}
