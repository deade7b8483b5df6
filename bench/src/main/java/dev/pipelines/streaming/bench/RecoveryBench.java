package dev.pipelines.streaming.bench;

import static dev.pipelines.streaming.bench.Stats.f;
import static dev.pipelines.streaming.runner.testing.PostgresServer.count;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.runner.testing.PostgresServer;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmark 4. A runner writes a generated stream to a files sink and to PostgreSQL, is
 * SIGKILLed three times mid-stream (the local stand-in for a lost driver) and started again
 * at once; each time we measure how long until its first completed batch. At the end every
 * event must be in each sink exactly once.
 *
 * <p>Args: [events (default 6000)] [rowsPerSecond (default 200)]
 */
public final class RecoveryBench {
  static final Pattern BATCH = Pattern.compile("batch \\d+: \\d+ rows in");
  static final ObjectMapper JSON = new ObjectMapper();
  static final String DISTINCT_EVENTS = "SELECT count(DISTINCT \"eventId\") FROM events";

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 6000;
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Path work = Files.createTempDirectory("bench-recovery");
    String url = PostgresServer.shared().createDatabase("recovery"); // stopped when this JVM exits
    Path out = work.resolve("out");
    Path spec = work.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: recovery}
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: %d, users: 7}
          transforms:
            - {name: bounded, from: clicks, filter: "eventId < %d"}
          sinks:
            - name: files
              from: bounded
              trigger: {processingTime: 1s}
              files: {path: "%s", format: json}
            - name: postgres
              from: bounded
              trigger: {processingTime: 1s}
              jdbc: {url: "%s", table: events}
        """.formatted(rate, events, out, url));

    double[] killAt = {0.2, 0.45, 0.7};
    List<Double> recoveries = new ArrayList<>();
    double cold = 0;
    for (int run = 0; run <= killAt.length; run++) {
      Path log = work.resolve("run-" + run + ".log");
      long start = System.nanoTime();
      RunnerProcess runner = RunnerProcess.start(spec, work.resolve("checkpoints"), log);
      runner.await("a first batch", () -> firstBatchLogged(log), Duration.ofMinutes(5));
      double seconds = (System.nanoTime() - start) / 1e9;
      if (run == 0) {
        cold = seconds;
        System.out.println(f("cold start: first batch after %.1f s", seconds));
      } else {
        recoveries.add(seconds);
        System.out.println(f("restart %d after SIGKILL: first batch after %.1f s", run, seconds));
      }
      if (run < killAt.length) {
        long rows = (long) (events * killAt[run]);
        runner.await(rows + " rows", () -> count(url, DISTINCT_EVENTS) >= rows, Duration.ofMinutes(5));
        runner.kill();
      } else {
        runner.await("every event in both sinks",
            () -> count(url, DISTINCT_EVENTS) >= events && committedFileRows(out).size() >= events, Duration.ofMinutes(5));
        runner.stop();
      }
    }

    List<Long> fileRows = committedFileRows(out);
    long fileDistinct = new HashSet<>(fileRows).size();
    long pgRows = count(url, "SELECT count(*) FROM events");
    long pgDistinct = count(url, DISTINCT_EVENTS);
    String verdict = f("files lost %d duplicated %d, PostgreSQL lost %d duplicated %d",
        events - fileDistinct, fileRows.size() - fileDistinct, events - pgDistinct, pgRows - pgDistinct);
    System.out.println(f("%,d events: %s", events, verdict));
    Stats.result("recovery", f("first batch %.1f s after SIGKILL (median of %d; cold start %.1f s); %s",
        Stats.median(recoveries), recoveries.size(), cold, verdict));
  }

  private static boolean firstBatchLogged(Path log) {
    try {
      return BATCH.matcher(Files.readString(log)).find();
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The eventIds readers of the files sink see: rows of the part files its metadata log
   * lists (files a killed batch left behind are not listed, and readers ignore them).
   */
  static List<Long> committedFileRows(Path out) {
    Path metadata = out.resolve("_spark_metadata");
    if (!Files.isDirectory(metadata)) {
      return List.of();
    }
    try {
      Set<String> parts = new HashSet<>();
      try (Stream<Path> logs = Files.list(metadata)) {
        for (Path entry : logs.filter(p -> !p.getFileName().toString().startsWith(".")).toList()) {
          for (String line : Files.readAllLines(entry)) {
            if (line.startsWith("{")) {
              parts.add(JSON.readTree(line).get("path").asText());
            }
          }
        }
      }
      List<Long> ids = new ArrayList<>();
      for (String part : parts) {
        for (String row : Files.readAllLines(Path.of(URI.create(part)))) {
          ids.add(JSON.readTree(row).get("eventId").asLong());
        }
      }
      return ids;
    } catch (IOException racingWithTheWriter) {
      return List.of();
    }
  }
}
