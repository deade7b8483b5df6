package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import dev.pipelines.streaming.runner.testing.MongoServer;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The MongoDB sink against a MongoDB-wire server (FerretDB on the suite's PostgreSQL), through
 * the MongoDB Spark connector, credentials from environment variables as a pod gets them from a
 * Secret. The runner is SIGKILLed twice mid-stream: replayed micro-batches must leave one document
 * per row (append) and one per key with the right totals (upsert).
 */
class MongoDbSinkTest {
  static final int EVENTS = 2000;
  @TempDir Path dir;

  @Test
  void killedTwiceAppendHoldsEachRowOnceAndUpsertOneDocumentPerKey() throws Exception {
    MongoServer mongo = MongoServer.sharedOrSkip();
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: ledger-mongo}
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: 150, users: 7}
          transforms:
            # FerretDB 1.x stores no Decimal128 (MongoDB does): the generator's decimal amount as a double.
            - {name: bounded, from: clicks, sql: "SELECT eventId, userId, CAST(amount AS DOUBLE) AS amount FROM clicks WHERE eventId < %1$d"}
            - {name: perUser, from: bounded, sql: "SELECT userId, sum(amount) AS total, count(*) AS events FROM bounded GROUP BY userId"}
          sinks:
            - name: raw
              from: bounded
              trigger: {processingTime: 500ms}
              mongodb:
                uri: "%2$s"
                database: shop
                collection: events
                user: {env: MONGO_USER}
                password: {env: MONGO_PASSWORD}
                options: {maxBatchSize: "20"}   # FerretDB's bulk limit (see MongoServer); MongoDB needs none
            - name: totals
              from: perUser
              outputMode: update
              trigger: {processingTime: 500ms}
              mongodb:
                uri: "%2$s"
                database: shop
                collection: user_totals
                mode: upsert
                keys: [userId]
                user: {env: MONGO_USER}
                password: {env: MONGO_PASSWORD}
                options: {maxBatchSize: "20"}
        """.formatted(EVENTS, mongo.uriWithoutCredentials()));
    Map<String, String> env = Map.of("MONGO_USER", "postgres", "MONGO_PASSWORD", "p@ss:w/rd");

    Path logs = Files.createDirectories(Path.of("target", "mongodb-sink"));
    try (MongoClient client = mongo.client()) {
      MongoDatabase shop = client.getDatabase("shop");
      MongoCollection<Document> events = shop.getCollection("events");
      MongoCollection<Document> totals = shop.getCollection("user_totals");
      long[] killAtRows = {300, 900};
      for (int run = 0; run <= killAtRows.length; run++) {
        RunnerProcess runner = RunnerProcess.start(env, spec, dir.resolve("checkpoints"), logs.resolve("run-" + run + ".log"));
        if (run < killAtRows.length) {
          long rows = killAtRows[run];
          runner.await(rows + " documents", () -> events.countDocuments() >= rows, Duration.ofMinutes(3));
          runner.kill();
        } else {
          runner.await("all events in both collections", () -> events.countDocuments() >= EVENTS
              && eventsCounted(totals) >= EVENTS, Duration.ofMinutes(3));
          assertThat(runner.stop()).as("exit code of a graceful stop (SIGTERM)").isZero();
        }
      }

      List<Long> ids = new ArrayList<>();
      Map<String, double[]> expected = new TreeMap<>();
      for (Document d : events.find()) {
        ids.add(d.getLong("eventId"));
        double[] sumAndCount = expected.computeIfAbsent(d.getString("userId"), u -> new double[2]);
        sumAndCount[0] += d.getDouble("amount");
        sumAndCount[1]++;
      }
      assertThat(ids).as("every event once, none lost").hasSize(EVENTS).doesNotHaveDuplicates();
      assertThat(ids.stream().mapToLong(Long::longValue).max().orElseThrow()).isEqualTo(EVENTS - 1);

      List<Document> perUser = totals.find().sort(Sorts.ascending("userId")).into(new ArrayList<>());
      assertThat(perUser).as("one document per key").hasSize(7);
      for (Document d : perUser) {
        double[] want = expected.get(d.getString("userId"));
        assertThat(d.getDouble("total")).as("total of " + d.getString("userId")).isCloseTo(want[0], org.assertj.core.data.Offset.offset(1e-6));
        assertThat(d.getLong("events")).as("events of " + d.getString("userId")).isEqualTo((long) want[1]);
      }
      assertThat(totals.listIndexes().into(new ArrayList<>())).as("the unique index on the keys")
          .anySatisfy(i -> assertThat(i.getString("name")).isEqualTo("spo_upsert_keys"));
    }
  }

  @Test
  void anUpsertSinkRefusesACollectionWhoseIndexOnItsKeysIsNotUnique() throws Exception {
    MongoServer mongo = MongoServer.sharedOrSkip();
    try (MongoClient client = mongo.client()) {
      client.getDatabase("shop").getCollection("loose").createIndex(new Document("userId", 1),
          new com.mongodb.client.model.IndexOptions().name("spo_upsert_keys"));
    }
    Path spec = dir.resolve("loose.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: loose}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecond: 10, users: 3}}]
          transforms:
            - {name: perUser, from: clicks, sql: "SELECT userId, count(*) AS events FROM clicks GROUP BY userId"}
          sinks:
            - name: totals
              from: perUser
              outputMode: update
              mongodb: {uri: "%s", database: shop, collection: loose, mode: upsert, keys: [userId],
                        user: {env: MONGO_USER}, password: {env: MONGO_PASSWORD}}
        """.formatted(mongo.uriWithoutCredentials()));
    RunnerProcess runner = RunnerProcess.start(Map.of("MONGO_USER", "postgres", "MONGO_PASSWORD", "x"), spec,
        dir.resolve("checkpoints"), Files.createDirectories(Path.of("target", "mongodb-sink")).resolve("loose.log"));
    assertThat(runner.awaitExit(Duration.ofMinutes(3))).as("exit code of a failed query").isEqualTo(1);
    assertThat(runner.log()).contains("sink totals: collection shop.loose has an index that conflicts with a unique index "
        + "on [userId]");
  }

  private static long eventsCounted(MongoCollection<Document> totals) {
    long sum = 0;
    for (Document d : totals.find()) {
      sum += d.getLong("events");
    }
    return sum;
  }
}
