package dev.pipelines.streaming.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.PostgresServer;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.sql.DriverManager;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A static table's refresh against a real PostgreSQL: a table that cannot be read keeps the last copy. */
class StaticTableTest {
  static SparkSession spark;
  static PostgresServer postgres;

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
  void aRefreshThatCannotReadTheTableKeepsTheCachedCopy() throws Exception {
    String url = postgres.createDatabase("refresh");
    try (var c = DriverManager.getConnection(url)) {
      c.createStatement().execute("CREATE TABLE users (id text, name text)");
      c.createStatement().execute("INSERT INTO users VALUES ('u1', 'Ann'), ('u2', 'Bob')");
    }
    var source = Pipelines.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: t}
        spec:
          sources: [{name: users, jdbc: {url: "%s", table: users}}, {name: s, generator: {}}]
          sinks: [{name: out, from: s, console: {}}]
        """.formatted(url)).spec().sourcesOrEmpty().get(0);
    StaticTable table = StaticTable.jdbc(spark, source, SecretResolver.fromSystemEnvironment(), "spec.sources[0].jdbc");
    assertThat(table.refresh()).isEqualTo(2);

    try (var c = DriverManager.getConnection(url)) {
      c.createStatement().execute("ALTER TABLE users RENAME TO users_moved");
    }
    assertThatThrownBy(table::refresh).isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("cannot be read now, keeping the last copy: ERROR: relation \"users\" does not exist");
    assertThat(table.rows().count()).as("served from the cache, the table being gone").isEqualTo(2);
  }
}
