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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmarks 1 and 2. The same windowed query over the same Kafka topic, run by the runner
 * from YAML, by {@link HandWrittenWindowJob} with the runner's Spark settings, and by the same
 * job with Spark's own defaults as the Structured Streaming guide writes it ("spark-guide"),
 * each in a fresh JVM, rotating which goes first; then a plain Kafka consumer reading the
 * topic (the source's limit). Every Spark run must write the same windows, or the numbers
 * mean nothing.
 *
 * <p>Args: [records (default 2,000,000)] [rounds (default 5)]
 */
public final class RunnerThroughputBench {
  static final String TOPIC = "clicks";
  static final int PARTITIONS = 4;
  static final String MAX_OFFSETS_PER_TRIGGER = "500000";
  static final String MASTER = "local[2]";
  static final Pattern BATCH = Pattern.compile("batch \\d+: (\\d+) rows in (\\d+) ms");
  static final List<String> ALL_CONTENDERS = List.of("runner", "runner-unguarded", "hand-written", "spark-guide");
  /** What runs when BENCH_CONTENDERS is not set. */
  static final List<String> DEFAULT_CONTENDERS = List.of("runner", "hand-written", "spark-guide");

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

      List<String> contenders = contenders();
      Map<String, List<Run>> runs = new LinkedHashMap<>();
      ALL_CONTENDERS.forEach(c -> runs.put(c, new ArrayList<>()));
      for (int round = 1; round <= rounds; round++) {
        Path dir = Files.createDirectories(work.resolve("round-" + round));
        for (int i = 0; i < contenders.size(); i++) {
          // whoever goes first in a round tends to be slower (a cold page cache): rotate
          String who = contenders.get((round - 1 + i) % contenders.size());
          Run run = run(who, kafka, dir);
          runs.get(who).add(run);
          System.out.println(f("round %d %-12s wall %6.1f s  batches %6.1f s  %,d rows  %,d windows", round,
              run.who(), run.wallSeconds(), run.batchSeconds(), run.rows(), run.output().windows()));
        }
      }
      List<Run> ours = runs.get("runner");
      List<Run> hand = runs.get("hand-written");
      List<Run> guide = runs.get("spark-guide");
      for (List<Run> each : runs.values()) {
        for (Run r : each) {
          if (!r.output().equals(hand.get(0).output()) || r.rows() != records) {
            throw new IllegalStateException("outputs differ: " + runs);
          }
        }
      }

      // A round's runs share the machine's state of the moment; the median of the per-round
      // ratios is steadier than the ratio of medians on a noisy 2-core machine.
      for (String who : contenders) {
        System.out.println(f("median %-12s wall %.1f s, time in batches %.1f s", who, median(runs.get(who), Run::wallSeconds),
            median(runs.get(who), Run::batchSeconds)));
      }
      if (!ours.isEmpty()) {
        Ratios r = printRatios("runner", ours, hand);
        Stats.result("runner-overhead", f("runner/hand-written wall time %.3f (median of %d rounds; goal <= 1.03),"
            + " time in batches %.3f (goal <= 1.02), %,.0f rows/s", r.medianWall(), rounds, r.medianBatches(),
            records / median(ours, Run::batchSeconds)));
      }
      List<Run> unguarded = runs.get("runner-unguarded");
      if (!unguarded.isEmpty()) {
        Ratios r = printRatios("runner-unguarded", unguarded, hand);
        Stats.result("runner-unguarded", f("the runner without its watermark guard (maxAhead: off): wall %.3f, time in"
            + " batches %.3f of the hand-written job", r.medianWall(), r.medianBatches()));
      }
      if (!guide.isEmpty()) {
        Ratios r = printRatios("spark-guide", guide, hand);
        Stats.result("spark-defaults", f("the same job with Spark's defaults (spark-guide) takes wall %.3f, time in"
            + " batches %.3f of the job with the runner's defaults", r.medianWall(), r.medianBatches()));
      }

      double raw = ClickTopic.rawConsumerRate(kafka.bootstrapServers(), TOPIC, records);
      double spark = records / median(ours.isEmpty() ? hand : ours, Run::batchSeconds);
      Stats.result("kafka-raw-limit", f("plain consumer %,.0f rows/s; the pipeline processes %.0f%% of that",
          raw, 100 * spark / raw));
    }
  }

  /**
   * BENCH_CONTENDERS="runner,runner-unguarded": which contenders run (default runner, hand-written,
   * spark-guide); hand-written is always among them.
   */
  static List<String> contenders() {
    String value = System.getenv("BENCH_CONTENDERS");
    if (value == null || value.isBlank()) {
      return DEFAULT_CONTENDERS;
    }
    List<String> chosen = new ArrayList<>(List.of(value.split(",")));
    chosen.forEach(c -> {
      if (!ALL_CONTENDERS.contains(c)) {
        throw new IllegalArgumentException("BENCH_CONTENDERS: unknown contender '" + c + "' (known: " + ALL_CONTENDERS + ")");
      }
    });
    if (!chosen.contains("hand-written")) {
      chosen.add("hand-written"); // the baseline every ratio divides by
    }
    return chosen;
  }

  private static Run run(String who, KafkaBroker kafka, Path dir) throws Exception {
    return switch (who) {
      case "runner" -> runner(kafka, dir, "runner", maxAhead());
      case "runner-unguarded" -> runner(kafka, dir, "runner-unguarded", ", maxAhead: \"off\"");
      case "hand-written" -> handWritten(kafka, dir, false);
      case "spark-guide" -> handWritten(kafka, dir, true);
      default -> throw new IllegalArgumentException(who);
    };
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> figure) {
    return Stats.median(runs.stream().map(figure::applyAsDouble).toList());
  }

  /** Per round, a contender's wall time and time in batches over the hand-written job's. */
  private record Ratios(List<Double> wall, List<Double> batches) {
    double medianWall() {
      return Stats.median(wall);
    }

    double medianBatches() {
      return Stats.median(batches);
    }
  }

  /** {@code who}'s ratios to the hand-written job, every round printed. */
  private static Ratios printRatios(String who, List<Run> runs, List<Run> hand) {
    Ratios r = new Ratios(ratios(runs, hand, Run::wallSeconds), ratios(runs, hand, Run::batchSeconds));
    System.out.println(f("%s/hand-written per round: wall %s, time in batches %s", who, show(r.wall()), show(r.batches())));
    return r;
  }

  /** Per round, {@code a}'s figure over {@code b}'s. */
  private static List<Double> ratios(List<Run> a, List<Run> b, ToDoubleFunction<Run> figure) {
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < a.size(); i++) {
      ratios.add(figure.applyAsDouble(a.get(i)) / figure.applyAsDouble(b.get(i)));
    }
    return ratios;
  }

  private static List<String> show(List<Double> ratios) {
    return ratios.stream().map(r -> f("%.3f", r)).toList();
  }

  /**
   * BENCH_MAX_AHEAD="off" (or a duration): the runner's watermark guard, which the hand-written
   * job does not have; unset keeps the runner's default (on), as users get it.
   */
  static String maxAhead() {
    String value = System.getenv("BENCH_MAX_AHEAD");
    return value == null || value.isBlank() ? "" : ", maxAhead: \"" + value + "\"";
  }

  /** BENCH_SPARK_CONF="k=v,k=v": Spark settings for the runner and the hand-written job (not spark-guide), to try tunings. */
  static List<String> sparkConf() {
    String conf = System.getenv("BENCH_SPARK_CONF");
    return conf == null || conf.isBlank() ? List.of() : List.of(conf.split(","));
  }

  /** The runner as {@code who}; {@code maxAhead} is appended to the watermark (empty: the default guard). */
  private static Run runner(KafkaBroker kafka, Path dir, String who, String maxAhead) throws Exception {
    Path spec = dir.resolve(who + ".yaml");
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
        """.formatted(kafka.bootstrapServers(), TOPIC, MAX_OFFSETS_PER_TRIGGER, maxAhead, dir.resolve(who + "-out")));
    List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--master", MASTER,
        "--checkpoint-root", dir.resolve(who + "-cp").toString()));
    sparkConf().forEach(kv -> args.addAll(List.of("-c", kv)));
    return measure(who, RunnerCli.class, args, dir.resolve(who + "-out"), dir.resolve(who + ".log"));
  }

  /**
   * The hand-written job; {@code sparkDefaults}: with Spark's defaults and without
   * BENCH_SPARK_CONF (the guide's baseline), else with the runner's defaults.
   */
  private static Run handWritten(KafkaBroker kafka, Path dir, boolean sparkDefaults) throws Exception {
    String who = sparkDefaults ? "spark-guide" : "hand-written";
    List<String> args = new ArrayList<>(List.of(kafka.bootstrapServers(), TOPIC,
        MAX_OFFSETS_PER_TRIGGER, dir.resolve(who + "-out").toString(), dir.resolve(who + "-cp").toString(), MASTER));
    if (sparkDefaults) {
      args.add(HandWrittenWindowJob.SPARK_DEFAULTS);
    } else {
      args.addAll(sparkConf());
    }
    return measure(who, HandWrittenWindowJob.class, args, dir.resolve(who + "-out"), dir.resolve(who + ".log"));
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
}
