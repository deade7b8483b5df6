package dev.pipelines.streaming.api.validation;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.model.TransformSpec;
import dev.pipelines.streaming.api.model.TriggerSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where Spark's real-time mode ({@code trigger.realTime}) can run, decided from the spec: Spark
 * 4.2 runs only stateless queries from Kafka to Kafka or the console in it (its
 * {@code RealTimeModeAllowlist}: projections, filters, unions, broadcast joins; no state, no
 * watermark operator, no cached table scan, no foreachBatch sink). The runner's planner adds
 * what only Spark's plan shows (an aggregate in SQL), and at start the task slots it needs.
 */
public final class RealTimeRules {
  /** Time a real-time batch may need after its interval to commit, on top of it, in a graceful stop. */
  static final Duration STOP_MARGIN = Duration.ofSeconds(30);

  private RealTimeRules() {}

  /** The sink's real-time interval, when it has one. */
  public static Optional<String> interval(SinkSpec sink) {
    TriggerSpec t = sink == null ? null : sink.trigger();
    return t == null || t.realTime() == null ? Optional.empty() : Optional.of(t.realTime());
  }

  /** Problems of real-time sinks wherever they run. */
  static List<Problem> check(PipelineSpec spec) {
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      SinkSpec sink = spec.sinksOrEmpty().get(i);
      if (interval(sink).isEmpty() || sink.from() == null) {
        continue;
      }
      String path = "spec.sinks[" + i + "]";
      String at = path + ".trigger.realTime";
      Durations.parse(sink.trigger().realTime()).filter(d -> d.compareTo(TriggerSpec.MIN_REAL_TIME) < 0).ifPresent(d ->
          problems.add(Problem.at(at, "must be at least 5s, got " + sink.trigger().realTime(),
              "it is how often the query checkpoints (Spark's spark.sql.streaming.realTimeMode.minBatchDuration); "
                  + "records flow as they arrive whatever its length")));
      if (sink.kind() != null && sink.kind() != SinkSpec.SinkKind.KAFKA && sink.kind() != SinkSpec.SinkKind.CONSOLE) {
        problems.add(Problem.at(at, "real-time mode writes to kafka or console sinks only, not "
            + sink.kind().name().toLowerCase(java.util.Locale.ROOT), "remove realTime, or write to a Kafka topic"));
      }
      if (PipelineSpec.DEAD_LETTERS.equals(sink.from())) {
        problems.add(Problem.at(at, "the dead letters are written in micro-batches", "remove realTime"));
        continue;
      }
      for (String name : spec.lineage(sink.from())) {
        Optional<SourceSpec> source = spec.sourcesOrEmpty().stream().filter(s -> s != null && name.equals(s.name())).findFirst();
        source.ifPresent(s -> source(s, at, problems));
        if (source.isPresent() && paths(spec, sink.from(), name) > 1) {
          problems.add(Problem.at(at, "the query reads source '" + name + "' twice (two inputs lead to it); Spark's "
              + "real-time mode cannot union a source with itself", "read it once, or declare a second source on the topic"));
        }
        spec.transformsOrEmpty().stream().filter(t -> t != null && name.equals(t.name())).findFirst()
            .ifPresent(t -> transform(t, at, problems));
      }
    }
    return problems;
  }

  /** Problems of real-time sinks on Kubernetes: a graceful stop must outlast a batch; executors must not move. */
  static List<Problem> checkKubernetes(PipelineSpec spec) {
    List<Problem> problems = new ArrayList<>();
    Optional<Duration> stopTimeout = Durations.parse(spec.upgradeOrDefault().stopTimeoutOrDefault());
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      SinkSpec sink = spec.sinksOrEmpty().get(i);
      Optional<Duration> interval = interval(sink).flatMap(Durations::parse);
      if (interval.isEmpty()) {
        continue;
      }
      String at = "spec.sinks[" + i + "].trigger.realTime";
      Duration needed = interval.get().plus(STOP_MARGIN);
      if (stopTimeout.isPresent() && stopTimeout.get().compareTo(needed) < 0) {
        problems.add(Problem.at(at, "a graceful stop waits for the running real-time batch to end and commit, up to "
                + sink.trigger().realTime() + " and " + STOP_MARGIN.toSeconds() + "s, longer than spec.upgrade.stopTimeout ("
                + spec.upgradeOrDefault().stopTimeoutOrDefault() + ")",
            "set upgrade.stopTimeout to " + needed.toSeconds() + "s or more, or a shorter realTime; otherwise every "
                + "upgrade replays the batch's records"));
      }
      if (spec.autoscaling() != null) {
        problems.add(Problem.at("spec.autoscaling", "real-time mode holds a task slot per Kafka partition for the whole "
                + "batch (" + "spec.sinks[" + i + "] reads in real time); executors cannot come and go under it",
            "remove autoscaling and size spec.executor for the partitions"));
      }
    }
    return problems;
  }

  /** How many ways lead from {@code from} down to {@code source} through the transforms' inputs. */
  private static long paths(PipelineSpec spec, String from, String source) {
    return paths(spec, from, source, new java.util.HashSet<>());
  }

  /** As above; a cycle (reported by the validator) counts no path. */
  private static long paths(PipelineSpec spec, String from, String source, java.util.Set<String> onPath) {
    if (from.equals(source)) {
      return 1;
    }
    if (!onPath.add(from)) {
      return 0;
    }
    long n = spec.transformsOrEmpty().stream().filter(t -> t != null && from.equals(t.name())).findFirst()
        .map(t -> t.fromOrEmpty().stream().filter(java.util.Objects::nonNull)
            .mapToLong(in -> paths(spec, in, source, onPath)).sum())
        .orElse(0L);
    onPath.remove(from);
    return n;
  }

  /** Kafka source options Spark's real-time mode refuses (KafkaMicroBatchStream), lower case. */
  private static final java.util.Set<String> KAFKA_OPTIONS_REFUSED = java.util.Set.of("maxoffsetspertrigger",
      "minoffsetspertrigger", "minpartitions", "endingtimestamp", "maxtriggerdelay");

  private static void source(SourceSpec s, String at, List<Problem> problems) {
    if (s.kafka() != null) {
      s.kafka().optionsOrEmpty().keySet().stream()
          .filter(k -> KAFKA_OPTIONS_REFUSED.contains(k.toLowerCase(java.util.Locale.ROOT))).sorted()
          .forEach(k -> problems.add(Problem.at(at, "source '" + s.name() + "' sets " + k + ", which Spark's real-time "
              + "mode refuses (records are read as they come, not in bounded batches)", "remove it from kafka.options")));
    }
    if (s.kafka() == null) {
      problems.add(Problem.at(at, "real-time mode reads Kafka sources only; '" + s.name() + "' is "
          + (s.isStatic() ? "a static table (Spark caches it, which real-time mode cannot scan)" : "not Kafka")));
    }
    if (s.watermark() != null) {
      problems.add(Problem.at(at, "source '" + s.name() + "' has a watermark: real-time queries are stateless and "
          + "Spark's real-time mode has no watermark operator", "remove the watermark, or read from a copy of the source"));
    }
  }

  private static void transform(TransformSpec t, String at, List<Problem> problems) {
    String why = t.window() != null ? "a window keeps state"
        : t.dedupe() != null ? "dedupe keeps state"
        : t.anomaly() != null ? "anomaly keeps each key's history in state"
        : t.join() != null ? "a join keeps state (two streams) or scans a cached table (a lookup)"
        : null;
    if (why != null) {
      problems.add(Problem.at(at, "real-time mode runs stateless queries only: transform '" + t.name() + "' " + "is "
          + t.kind().name().toLowerCase(java.util.Locale.ROOT) + "; " + why, "use a processingTime trigger for this sink"));
    }
    if (t.watermark() != null) {
      problems.add(Problem.at(at, "transform '" + t.name() + "' has a watermark: real-time queries are stateless",
          "remove the watermark"));
    }
  }
}
