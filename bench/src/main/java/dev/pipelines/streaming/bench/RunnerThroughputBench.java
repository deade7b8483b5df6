package dev.pipelines.streaming.bench;

import static dev.pipelines.streaming.bench.Stats.f;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.runner.RunnerCli;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmarks 1 and 2. The same windowed query over the same Kafka topic, run by the runner
 * from YAML and by {@link HandWrittenWindowJob}, each in a fresh JVM, alternating which goes
 * first; then a plain Kafka consumer reading the topic (the source's limit). Both Spark runs
 * must write the same windows, or the numbers mean nothing.
 *
 * <p>Args: [records (default 2,000,000)] [rounds (default 5)]
 */
public final class RunnerThroughputBench {
  static final String TOPIC = "clicks";
  static final int PARTITIONS = 4;
  static final String MAX_OFFSETS_PER_TRIGGER = "500000";
  static final String MASTER = "local[2]";
  static final Pattern BATCH = Pattern.compile("batch \\d+: (\\d+) rows in (\\d+) ms");

  record Run(String who, double wallSeconds, double batchSeconds, long rows, Output output) {}

  record Output(long windows, long views) {}

  public static void main(String[] args) throws Exception {
    long records = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path work = Files.createTempDirectory("bench-throughput");
    try (KafkaBroker kafka = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")))) {
      kafka.createTopic(TOPIC, PARTITIONS);
      long t = System.nanoTime();
      ClickTopic.produce(kafka.bootstrapServers(), TOPIC, records);
      System.out.println(f("produced %,d click events into %d partitions in %.1f s", records, PARTITIONS,
          (System.nanoTime() - t) / 1e9));

      List<Run> ours = new ArrayList<>();
      List<Run> hand = new ArrayList<>();
      for (int round = 1; round <= rounds; round++) {
        Path dir = Files.createDirectories(work.resolve("round-" + round));
        boolean oursFirst = round % 2 == 1;
        for (int i = 0; i < 2; i++) {
          Run run = (i == 0) == oursFirst ? runner(kafka, dir) : handWritten(kafka, dir);
          (run.who().equals("runner") ? ours : hand).add(run);
          System.out.println(f("round %d %-12s wall %6.1f s  batches %6.1f s  %,d rows  %,d windows", round,
              run.who(), run.wallSeconds(), run.batchSeconds(), run.rows(), run.output().windows()));
        }
      }
      for (Run r : concat(ours, hand)) {
        if (!r.output().equals(hand.get(0).output()) || r.rows() != records) {
          throw new IllegalStateException("outputs differ: " + ours + " vs " + hand);
        }
      }

      // Each round's two runs share the machine's state of the moment; the median of the
      // per-round ratios is steadier than the ratio of medians on a noisy 2-core machine.
      List<Double> wallRatios = new ArrayList<>();
      List<Double> batchRatios = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        wallRatios.add(ours.get(i).wallSeconds() / hand.get(i).wallSeconds());
        batchRatios.add(ours.get(i).batchSeconds() / hand.get(i).batchSeconds());
      }
      double batchOurs = Stats.median(ours.stream().map(Run::batchSeconds).toList());
      double batchHand = Stats.median(hand.stream().map(Run::batchSeconds).toList());
      System.out.println(f("median wall time: runner %.1f s, hand-written %.1f s; time in batches: runner %.1f s, hand-written %.1f s",
          Stats.median(ours.stream().map(Run::wallSeconds).toList()), Stats.median(hand.stream().map(Run::wallSeconds).toList()),
          batchOurs, batchHand));
      System.out.println(f("rows/s in batches: runner %,.0f, hand-written %,.0f; per-round wall ratios %s",
          records / batchOurs, records / batchHand, wallRatios.stream().map(r -> f("%.3f", r)).toList()));
      Stats.result("runner-overhead", f("runner/hand-written wall time %.3f (median of %d rounds; goal <= 1.05),"
          + " time in batches %.3f, %,.0f rows/s", Stats.median(wallRatios), rounds, Stats.median(batchRatios),
          records / batchOurs));

      double raw = ClickTopic.rawConsumerRate(kafka.bootstrapServers(), TOPIC, records);
      Stats.result("kafka-raw-limit", f("plain consumer %,.0f rows/s; the pipeline processes %.0f%% of that",
          raw, 100 * (records / batchOurs) / raw));
    }
  }

  /**
   * BENCH_MAX_AHEAD="off" (or a duration): the runner's watermark guard, which the hand-written
   * job does not have; unset keeps the runner's default (on), as users get it.
   */
  static String maxAhead() {
    String value = System.getenv("BENCH_MAX_AHEAD");
    return value == null || value.isBlank() ? "" : ", maxAhead: \"" + value + "\"";
  }

  /** BENCH_SPARK_CONF="k=v,k=v": Spark settings for both contenders, to try tunings. */
  static List<String> sparkConf() {
    String conf = System.getenv("BENCH_SPARK_CONF");
    return conf == null || conf.isBlank() ? List.of() : List.of(conf.split(","));
  }

  private static Run runner(KafkaBroker kafka, Path dir) throws Exception {
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: bench}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%s", topic: %s, startingOffsets: earliest, options: {maxOffsetsPerTrigger: "%s"}}
              schema:
                - {name: userId, type: string}
                - {name: page, type: string}
                - {name: amount, type: double}
                - {name: eventTime, type: timestamp}
              watermark: {column: eventTime, delay: 30s%s}
          transforms:
            - name: perMinute
              from: clicks
              window: {type: tumbling, column: eventTime, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}
          sinks:
            - name: out
              from: perMinute
              trigger: {availableNow: true}
              files: {path: "%s", format: json}
        """.formatted(kafka.bootstrapServers(), TOPIC, MAX_OFFSETS_PER_TRIGGER, maxAhead(), dir.resolve("runner-out")));
    List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--master", MASTER,
        "--checkpoint-root", dir.resolve("runner-cp").toString()));
    sparkConf().forEach(kv -> args.addAll(List.of("-c", kv)));
    return measure("runner", RunnerCli.class, args, dir.resolve("runner-out"), dir.resolve("runner.log"));
  }

  private static Run handWritten(KafkaBroker kafka, Path dir) throws Exception {
    List<String> args = new ArrayList<>(List.of(kafka.bootstrapServers(), TOPIC,
        MAX_OFFSETS_PER_TRIGGER, dir.resolve("hand-out").toString(), dir.resolve("hand-cp").toString(), MASTER));
    args.addAll(sparkConf());
    return measure("hand-written", HandWrittenWindowJob.class, args, dir.resolve("hand-out"), dir.resolve("hand.log"));
  }

  private static Run measure(String who, Class<?> main, List<String> args, Path out, Path log) throws Exception {
    long start = System.nanoTime();
    Process p = ChildJvm.start("3g", main, args, log, Map.of());
    if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException(who + " failed; see " + log);
    }
    double wall = (System.nanoTime() - start) / 1e9;
    long rows = 0;
    long batchMillis = 0;
    for (String line : Files.readAllLines(log)) {
      Matcher m = BATCH.matcher(line);
      if (m.find()) {
        rows += Long.parseLong(m.group(1));
        batchMillis += Long.parseLong(m.group(2));
      }
    }
    return new Run(who, wall, batchMillis / 1000.0, rows, output(out));
  }

  /** The windows written; nothing crashed, so every part file is committed output. */
  private static Output output(Path out) throws IOException {
    ObjectMapper json = new ObjectMapper();
    long windows = 0;
    long views = 0;
    try (Stream<Path> files = Files.list(out)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        try (BufferedReader r = Files.newBufferedReader(file)) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            JsonNode row = json.readTree(line);
            windows++;
            views += row.get("views").asLong();
          }
        }
      }
    }
    return new Output(windows, views);
  }

  private static List<Run> concat(List<Run> a, List<Run> b) {
    List<Run> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
