package dev.pipelines.streaming.bench;

import static dev.pipelines.streaming.bench.Stats.f;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.runner.RunnerCli;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Benchmark 6: end-to-end latency of a stateless Kafka → filter/select → Kafka pipeline, from
 * the time a record is produced to the time its output record is consumed (one machine, one
 * clock), at a steady rate, side by side in one run: the runner with the default trigger, with a
 * short processing-time trigger, in real-time mode, and a hand-written Spark job in real-time
 * mode. Each contender runs in a fresh JVM on its own topics; the first {@code warmUp} seconds
 * (Spark's start, JIT) are not counted. Every record must come out exactly once (none is
 * filtered: the filter keeps amount >= 0, which all have), or the run fails.
 *
 * <p>Args: [records per second (default 200)] [seconds measured (default 30)] [warm-up seconds (default 40)]
 */
public final class LatencyBench {
  static final String MASTER = "local[2]";
  /** Real-time mode's checkpoint interval: each batch boundary pauses records for ~0.5 s, so it outlasts the run. */
  static final long REAL_TIME_MS = 300_000;

  record Contender(String name, String trigger, boolean runner) {}

  record Result(String name, double p50, double p99, double p999, double max, double perSecond, long records) {}

  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int warmUp = args.length > 2 ? Integer.parseInt(args[2]) : 40;
    List<Contender> contenders = List.of(
        new Contender("runner, default trigger", null, true),
        new Contender("runner, processingTime 100ms", "{processingTime: 100ms}", true),
        new Contender("runner, realTime", "{realTime: 5m}", true),
        new Contender("hand-written, realTime", "realTime:" + REAL_TIME_MS, false));
    Path work = Files.createTempDirectory("bench-latency");
    List<Result> results = new ArrayList<>();
    try (KafkaBroker kafka = KafkaBroker.start(Files.createDirectories(work.resolve("kafka")))) {
      for (int i = 0; i < contenders.size(); i++) {
        Contender c = contenders.get(i);
        String in = "lat-in-" + i;
        String out = "lat-out-" + i;
        kafka.createTopic(in, 1);
        kafka.createTopic(out, 1);
        Path dir = Files.createDirectories(work.resolve("c" + i));
        Process p = start(c, kafka.bootstrapServers(), in, out, dir);
        try {
          results.add(measure(c.name(), kafka.bootstrapServers(), in, out, rate, seconds, warmUp));
        } finally {
          p.destroy();
          p.waitFor();
        }
        Result r = results.get(results.size() - 1);
        System.out.println(f("%-30s p50 %8.1f ms  p99 %8.1f ms  p99.9 %8.1f ms  max %8.1f ms  %6.0f records/s out  (%,d records)",
            r.name(), r.p50(), r.p99(), r.p999(), r.max(), r.perSecond(), r.records()));
      }
    }
    Result micro = results.get(0);
    Result realTime = results.get(2);
    Result hand = results.get(3);
    Stats.result("latency", f("p99 end to end at %d records/s: default trigger %.0f ms, processingTime 100ms %.0f ms, "
        + "realTime %.0f ms (goal < 100), hand-written realTime %.0f ms; runner/hand-written realTime p50 %.2f, p99 %.2f; "
        + "realTime vs default trigger p99 %.1fx lower", rate, micro.p99(), results.get(1).p99(), realTime.p99(),
        hand.p99(), realTime.p50() / hand.p50(), realTime.p99() / hand.p99(), micro.p99() / realTime.p99()));
  }

  private static Process start(Contender c, String bootstrap, String in, String out, Path dir) throws Exception {
    if (!c.runner()) {
      return ChildJvm.start("2g", HandWrittenFilterJob.class, List.of(bootstrap, in, out, dir.resolve("cp").toString(),
          MASTER, c.trigger()), dir.resolve("job.log"), Map.of());
    }
    Path spec = Files.writeString(dir.resolve("pipeline.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: latency}
        spec:
          sources:
            - name: events
              kafka: {bootstrapServers: "%1$s", topic: %2$s, startingOffsets: earliest}
              schema: [{name: id, type: long}, {name: sentAt, type: long}, {name: amount, type: double}]
          transforms:
            - {name: kept, from: events, filter: "amount >= 0"}
            - {name: shaped, from: kept, select: [id, sentAt]}
          sinks:
            - name: out
              from: shaped
              %4$s
              kafka: {bootstrapServers: "%1$s", topic: %3$s, options: {kafka.linger.ms: "0"}}
        """.formatted(bootstrap, in, out, c.trigger() == null ? "" : "trigger: " + c.trigger()));
    return ChildJvm.start("2g", RunnerCli.class, List.of("run", spec.toString(), "--master", MASTER,
        "--checkpoint-root", dir.resolve("cp").toString()), dir.resolve("runner.log"), Map.of());
  }

  /**
   * Produces {@code rate} records a second for warm-up + measured seconds, consumes the output
   * meanwhile, and returns the latencies of the records produced after the warm-up.
   */
  private static Result measure(String name, String bootstrap, String in, String out, int rate, int seconds,
      int warmUp) throws Exception {
    ObjectMapper json = new ObjectMapper();
    long total = (long) rate * (warmUp + seconds);
    long firstMeasured = (long) rate * warmUp;
    AtomicBoolean done = new AtomicBoolean();
    List<Double> latencies = new ArrayList<>();
    AtomicLong seen = new AtomicLong();
    java.util.BitSet ids = new java.util.BitSet();
    AtomicLong repeated = new AtomicLong();
    long[] firstLast = {Long.MAX_VALUE, 0};
    Thread consumer = new Thread(() -> {
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "5");
      try (var c = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer())) {
        TopicPartition tp = new TopicPartition(out, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        while (!done.get()) {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(5))) {
            long now = System.nanoTime();
            var v = json.readTree(r.value());
            seen.incrementAndGet();
            int id = (int) v.get("id").asLong();
            synchronized (ids) {
              if (ids.get(id)) {
                repeated.incrementAndGet();
              }
              ids.set(id);
            }
            if (v.get("id").asLong() >= firstMeasured) {
              synchronized (latencies) {
                latencies.add((now - v.get("sentAt").asLong()) / 1e6); // in ms, from nanoseconds
                firstLast[0] = Math.min(firstLast[0], now);
                firstLast[1] = Math.max(firstLast[1], now);
              }
            }
          }
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "latency-consumer");
    consumer.start();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
    p.put(ProducerConfig.ACKS_CONFIG, "1");
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      long start = System.nanoTime();
      for (long id = 0; id < total; id++) {
        long due = start + id * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        // sentAt: this JVM's nanosecond clock, which the consumer above reads too (the millisecond
        // wall clock was too coarse for single-digit-millisecond latencies)
        producer.send(new ProducerRecord<>(in, Long.toString(id),
            "{\"id\":" + id + ",\"sentAt\":" + System.nanoTime() + ",\"amount\":" + (id % 100) + "}"));
      }
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (seen.get() < total && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    done.set(true);
    consumer.join();
    if (seen.get() != total || repeated.get() > 0 || ids.cardinality() != total) {
      throw new IllegalStateException(name + ": " + ids.cardinality() + " distinct records out of " + total
          + " produced, " + repeated.get() + " repeated");
    }
    List<Double> sorted = latencies.stream().sorted().toList();
    double span = Math.max(1, firstLast[1] - firstLast[0]) / 1e9; // seconds, from nanoseconds
    return new Result(name, Stats.percentile(sorted, 50), Stats.percentile(sorted, 99), Stats.percentile(sorted, 99.9),
        sorted.get(sorted.size() - 1), sorted.size() / span, sorted.size());
  }
}
