package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.testing.PostgresServer.count;
import static dev.pipelines.streaming.runner.testing.PostgresServer.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.PostgresServer;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runner SIGKILLed three times mid-stream while writing raw rows (append) and per-user
 * totals (upsert) to PostgreSQL. The generator replays exactly the same rows after a crash,
 * so the final tables must hold events 0..2999 once each, and totals that equal them.
 */
class PostgresExactlyOnceTest {
  static final int EVENTS = 3000;
  @TempDir Path dir;

  @Test
  void killedThreeTimesTablesHoldEachRowOnce() throws Exception {
    String url = PostgresServer.shared().createDatabase("exactly_once");
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: ledger}
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: 150, users: 7}
          transforms:
            - {name: bounded, from: clicks, filter: "eventId < %1$d"}
            - {name: perUser, from: bounded, sql: "SELECT userId, sum(amount) AS total, count(*) AS events FROM bounded GROUP BY userId"}
          sinks:
            - name: raw
              from: bounded
              trigger: {processingTime: 500ms}
              jdbc: {url: "%2$s", table: events}
            - name: totals
              from: perUser
              outputMode: update
              trigger: {processingTime: 500ms}
              jdbc: {url: "%2$s", table: user_totals, mode: upsert, keys: [userId]}
        """.formatted(EVENTS, url));

    // Logs stay in target/ after the test so a failure can be read.
    Path logs = Files.createDirectories(Path.of("target", "postgres-exactly-once"));
    long[] killAtRows = {400, 1100, 1900};
    for (int run = 0; run <= killAtRows.length; run++) {
      RunnerProcess runner = RunnerProcess.start(spec, dir.resolve("checkpoints"), logs.resolve("run-" + run + ".log"));
      if (run < killAtRows.length) {
        long rows = killAtRows[run];
        runner.await(rows + " rows", () -> count(url, "SELECT count(*) FROM events") >= rows, Duration.ofMinutes(3));
        runner.kill();
      } else {
        runner.await("all events in both tables", () -> count(url, "SELECT count(*) FROM events") >= EVENTS
            && count(url, "SELECT coalesce(sum(events), 0) FROM user_totals") >= EVENTS, Duration.ofMinutes(3));
        assertThat(runner.stop()).as("exit code of a graceful stop (SIGTERM)").isZero();
      }
    }

    assertThat(query(url, "SELECT count(*), count(DISTINCT \"eventId\"), min(\"eventId\"), max(\"eventId\") FROM events"))
        .as("every event once, none lost").containsExactly(EVENTS + " " + EVENTS + " 0 " + (EVENTS - 1));
    List<String> expectedTotals = query(url,
        "SELECT \"userId\", sum(amount), count(*) FROM events GROUP BY \"userId\" ORDER BY 1");
    assertThat(expectedTotals).hasSize(7);
    assertThat(query(url, "SELECT \"userId\", total, events FROM user_totals ORDER BY 1"))
        .as("upserted totals equal the raw rows").containsExactlyElementsOf(expectedTotals);
  }
}
