package dev.pipelines.streaming.api.compat;

import dev.pipelines.streaming.api.model.AnomalySpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.model.TransformSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Decides whether a changed pipeline can resume from the old one's checkpoints, following
 * Spark's "Recovery Semantics after Changes in a Streaming Query". Each sink is its own query
 * with its own checkpoint, so each sink that exists in both specs is judged on what it reads.
 *
 * <p>Incompatible: a different set or kind of sources, a changed topic/path, Kafka brokers with
 * none in common (another cluster), any change to a stateful step (window, join, dedupe,
 * anomaly keys, SQL that aggregates, joins or deduplicates), a changed projection feeding a stateful
 * step, a changed output sink location or output mode, and settings frozen in the checkpoint.
 * Compatible: filters, projections of stateless queries, rate limits, triggers, watermark
 * delays, Kafka output topics, thresholds, expectations, added or removed sinks.
 */
public final class CheckpointCompatibility {
  /** Settings Spark freezes into the checkpoint on first start. */
  static final List<String> FROZEN_SETTINGS = List.of(
      "spark.sql.shuffle.partitions",
      "spark.sql.streaming.stateStore.providerClass",
      "spark.sql.streaming.multipleWatermarkPolicy");
  /**
   * SQL that keeps state across batches: grouping, joins, distinct, windows, and any aggregate
   * function call, since an aggregate without GROUP BY ({@code SELECT count(*) FROM x}) is a
   * global aggregation whose running result lives in the state store.
   */
  private static final Pattern STATEFUL_SQL = Pattern.compile(
      "\\b(group\\s+by|join|distinct|window\\s*\\(|session_window|over\\s*\\("
          + "|(count|count_if|sum|try_sum|avg|try_avg|mean|min|max|min_by|max_by|first|first_value|last|last_value"
          + "|any_value|approx_count_distinct|approx_percentile|percentile|percentile_approx|median|mode"
          + "|collect_list|collect_set|array_agg|string_agg|listagg|stddev|stddev_pop|stddev_samp|std|variance"
          + "|var_pop|var_samp|covar_pop|covar_samp|corr|kurtosis|skewness|bool_and|bool_or|every|some|any"
          + "|bit_and|bit_or|bit_xor|histogram_numeric|regr_\\w+|hll_sketch_agg|hll_union_agg|count_min_sketch"
          + "|percentile_cont|percentile_disc)\\s*\\(|\\bwithin\\s+group\\s*\\()",
      Pattern.CASE_INSENSITIVE);

  private final PipelineSpec before;
  private final PipelineSpec after;
  private final Set<Incompatibility> found;
  /**
   * The {@code sql} steps of the old query taken as stateful because its checkpoint holds state
   * and no step the rules above recognise explains it (a user-defined aggregate, a function this
   * list does not name): one of them keeps it, so none may change.
   */
  private final Set<String> statefulByCheckpoint;

  private CheckpointCompatibility(PipelineSpec before, PipelineSpec after, Set<Incompatibility> found,
      Set<String> statefulByCheckpoint) {
    this.before = before;
    this.after = after;
    this.found = found;
    this.statefulByCheckpoint = statefulByCheckpoint;
  }

  /** Whether every query {@code before} and {@code after} both have can resume: one spec recorded for all of them. */
  public static CompatibilityReport check(StreamingPipeline before, StreamingPipeline after) {
    return check(QueryRecords.allFrom(before), after);
  }

  /**
   * Whether each of {@code after}'s queries can resume its checkpoint, judged against the spec
   * that last wrote that query ({@code recorded}); a query no record names is new. A sink removed
   * and later added back is therefore held to the spec that last ran it, whatever ran in between.
   */
  public static CompatibilityReport check(QueryRecords recorded, StreamingPipeline after) {
    return check(recorded, after, sink -> false);
  }

  /**
   * As {@link #check(QueryRecords, StreamingPipeline)}, told by the checkpoints themselves which
   * queries hold state ({@code holdsState}: sink name to whether its checkpoint has a
   * {@code state/} directory, which Spark writes only for stateful operators). A query whose
   * checkpoint holds state that no recognised step explains has its {@code sql} steps judged as
   * stateful: the truth in the checkpoint wins over the rules' reading of the SQL.
   */
  public static CompatibilityReport check(QueryRecords recorded, StreamingPipeline after, Predicate<String> holdsState) {
    Set<Incompatibility> found = new LinkedHashSet<>();
    for (int i = 0; i < after.spec().sinksOrEmpty().size(); i++) {
      SinkSpec sink = after.spec().sinksOrEmpty().get(i);
      StreamingPipeline lastWrote = recorded.lastWrote(sink.name());
      SinkSpec old = lastWrote == null ? null : find(lastWrote.spec().sinksOrEmpty(), sink.name());
      if (old != null) {
        Set<String> bySql = Set.of();
        if (holdsState.test(sink.name()) && !keepsState(lastWrote.spec(), old, CheckpointCompatibility::statefulByRules)) {
          bySql = new LinkedHashSet<>();
          for (String name : lineage(lastWrote.spec(), old.from())) {
            TransformSpec t = find(lastWrote.spec().transformsOrEmpty(), name);
            if (t != null && t.sql() != null) {
              bySql.add(name);
            }
          }
        }
        CheckpointCompatibility c = new CheckpointCompatibility(lastWrote.spec(), after.spec(), found, bySql);
        if (c.stateResumes(old)) {
          c.checkFrozenSettings();
        }
        c.checkSink(old, sink, "spec.sinks[" + i + "]");
      }
    }
    return new CompatibilityReport(List.copyOf(found));
  }

  /**
   * Whether a kept sink's query has a stateful step in what it read: only state is partitioned by
   * {@code spark.sql.shuffle.partitions} and kept by the state store provider, so a stateless
   * query resumes with any of the frozen settings (Spark takes the checkpoint's value, which
   * changes nothing for it).
   */
  private boolean stateResumes(SinkSpec old) {
    return keepsState(before, old, this::stateful);
  }

  /** Whether a step {@code sink} reads in {@code spec} keeps state, as {@code stateful} judges steps. */
  private static boolean keepsState(PipelineSpec spec, SinkSpec sink, Predicate<TransformSpec> stateful) {
    return lineage(spec, sink.from()).stream().map(name -> find(spec.transformsOrEmpty(), name))
        .anyMatch(t -> t != null && stateful.test(t));
  }

  private void checkFrozenSettings() {
    for (String key : FROZEN_SETTINGS) {
      String was = before.sparkConfOrEmpty().get(key);
      String now = after.sparkConfOrEmpty().get(key);
      if (!Objects.equals(was, now)) {
        add("spec.sparkConf[\"" + key + "\"]", "changed from " + show(was) + " to " + show(now)
            + "; Spark keeps the value the checkpoint was created with");
      }
    }
  }

  private void checkSink(SinkSpec old, SinkSpec now, String path) {
    if (old.kind() != now.kind()) {
      add(path, "sink kind changed from " + name(old.kind()) + " to " + name(now.kind()));
      return;
    }
    if (old.outputModeOrDefault() != now.outputModeOrDefault()) {
      add(path + ".outputMode", "changed from " + old.outputModeOrDefault().value() + " to "
          + now.outputModeOrDefault().value() + "; the query's state was built for the old mode");
    }
    switch (now.kind()) {
      case FILES -> {
        changed(old.files().path(), now.files().path(), path + ".files.path",
            "the output directory holds the sink's commit log (_spark_metadata)");
        changed(old.files().formatOrDefault(), now.files().formatOrDefault(), path + ".files.format",
            "one directory cannot hold two formats");
        changed(old.files().partitionByOrEmpty(), now.files().partitionByOrEmpty(), path + ".files.partitionBy",
            "existing files are partitioned the old way");
      }
      case JDBC -> {
        changed(old.jdbc().table(), now.jdbc().table(), path + ".jdbc.table",
            "the committed-batch marker belongs to the old table; use a new sink name for a new table");
        changed(old.jdbc().keysOrEmpty(), now.jdbc().keysOrEmpty(), path + ".jdbc.keys",
            "the table's primary key was created from the old keys");
      }
      case MONGODB -> changed(old.mongodb().keysOrEmpty(), now.mongodb().keysOrEmpty(), path + ".mongodb.keys",
          "the collection's unique index and its documents are keyed by the old keys; use a new collection");
      default -> { } // console, and Kafka: changing the output topic is allowed
    }
    checkLineage(old.from(), now.from(), path);
  }

  /** Everything the sink reads: sources, then transforms, compared by name. */
  private void checkLineage(String oldFrom, String newFrom, String sinkPath) {
    Set<String> oldLineage = lineage(before, oldFrom);
    Set<String> newLineage = lineage(after, newFrom);
    Set<String> oldSources = sourceNames(before, oldLineage);
    Set<String> newSources = sourceNames(after, newLineage);
    if (!oldSources.equals(newSources)) {
      add(sinkPath + ".from", "reads sources " + new TreeSet<>(newSources) + " instead of " + new TreeSet<>(oldSources)
          + "; a query cannot change its sources");
    }
    for (String name : newSources) {
      if (oldSources.contains(name)) {
        checkSource(find(before.sourcesOrEmpty(), name), find(after.sourcesOrEmpty(), name),
            "spec.sources[" + indexOf(after.sourcesOrEmpty(), name) + "]", statefulDownstream(after, newLineage, name));
      }
    }
    for (String name : newLineage) {
      TransformSpec now = find(after.transformsOrEmpty(), name);
      if (now == null) {
        continue;
      }
      String path = "spec.transforms[" + indexOf(after.transformsOrEmpty(), name) + "]";
      TransformSpec old = oldLineage.contains(name) ? find(before.transformsOrEmpty(), name) : null;
      if (old == null) {
        if (stateful(now)) {
          add(path, "stateful step '" + name + "' is new; the checkpoint has no state for it");
        }
        continue;
      }
      checkTransform(old, now, path, statefulDownstream(after, newLineage, name));
    }
    for (String name : oldLineage) {
      TransformSpec old = find(before.transformsOrEmpty(), name);
      if (old != null && stateful(old) && !newLineage.contains(name)) {
        add(sinkPath + ".from", "stateful step '" + name + "' was removed; the checkpoint holds its state");
      }
    }
  }

  private void checkSource(SourceSpec old, SourceSpec now, String path, String statefulConsumer) {
    if (!kind(old).equals(kind(now))) {
      add(path, "source kind changed from " + kind(old) + " to " + kind(now));
      return;
    }
    if (now.kafka() != null) {
      Set<String> oldBrokers = brokers(old.kafka().bootstrapServers());
      Set<String> newBrokers = brokers(now.kafka().bootstrapServers());
      if (!oldBrokers.isEmpty() && !newBrokers.isEmpty() && Collections.disjoint(oldBrokers, newBrokers)) {
        add(path + ".kafka.bootstrapServers", "changed from " + show(old.kafka().bootstrapServers()) + " to "
            + show(now.kafka().bootstrapServers()) + "; no broker in common: another cluster, where the checkpoint's offsets mean nothing");
      }
      changed(old.kafka().topic(), now.kafka().topic(), path + ".kafka.topic",
          "offsets in the checkpoint belong to the old topics");
      changed(old.kafka().pattern(), now.kafka().pattern(), path + ".kafka.pattern",
          "offsets in the checkpoint belong to the old topics");
    }
    if (now.files() != null) {
      changed(old.files().path(), now.files().path(), path + ".files.path",
          "the checkpoint lists the files already read from the old path");
      changed(old.files().format(), now.files().format(), path + ".files.format", "files already read were parsed the old way");
      changed(old.isStatic(), now.isStatic(), path + ".files.static", "a query cannot switch between stream and table");
    }
    if (now.socket() != null) {
      changed(old.socket().host() + ":" + old.socket().port(), now.socket().host() + ":" + now.socket().port(),
          path + ".socket", "a query cannot change its sources");
    }
    String oldColumn = old.watermark() == null ? null : old.watermark().column();
    String newColumn = now.watermark() == null ? null : now.watermark().column();
    if (statefulConsumer != null && !Objects.equals(oldColumn, newColumn)) {
      add(path + ".watermark", "event-time column changed from " + show(oldColumn) + " to " + show(newColumn)
          + "; stateful step '" + statefulConsumer + "' keeps state by it");
    }
  }

  private void checkTransform(TransformSpec old, TransformSpec now, String path, String statefulConsumer) {
    String oldColumn = old.watermark() == null ? null : old.watermark().column();
    String newColumn = now.watermark() == null ? null : now.watermark().column();
    if (statefulConsumer != null && !Objects.equals(oldColumn, newColumn)) {
      add(path + ".watermark", "event-time column changed from " + show(oldColumn) + " to " + show(newColumn)
          + "; stateful step '" + statefulConsumer + "' keeps state by it");
    }
    if (old.kind() != now.kind()) {
      if (stateful(old) || stateful(now)) {
        add(path, "changed from " + name(old.kind()) + " to " + name(now.kind()) + "; its state cannot be reused");
      } else if (statefulConsumer != null) {
        add(path, "changed from " + name(old.kind()) + " to " + name(now.kind()) + ", feeding stateful step '"
            + statefulConsumer + "'");
      }
      return;
    }
    if (now.isStateful()) {
      changed(old.fromOrEmpty(), now.fromOrEmpty(), path + ".from", "the state was built from the old inputs");
    }
    switch (now.kind()) {
      case FILTER -> { } // filters may change freely
      case SELECT -> {
        if (statefulConsumer != null) {
          changed(old.select(), now.select(), path + ".select",
              "it feeds stateful step '" + statefulConsumer + "', whose state schema may no longer match");
        }
      }
      case SQL -> {
        boolean byText = STATEFUL_SQL.matcher(old.sql()).find() || STATEFUL_SQL.matcher(now.sql()).find();
        boolean byCheckpoint = !byText && statefulByCheckpoint.contains(now.name());
        if (byText || byCheckpoint || statefulConsumer != null) {
          changed(normalize(old.sql()), normalize(now.sql()), path + ".sql", byText
              ? "the query aggregates, joins or deduplicates; its state cannot be reused"
              : byCheckpoint ? "the query's checkpoint holds state and no other step of it keeps any, so this one does;"
                  + " its state cannot be reused"
              : "it feeds stateful step '" + statefulConsumer + "', whose state schema may no longer match");
        }
      }
      case WINDOW -> {
        var o = old.window();
        var n = now.window();
        String why = "the window's state is keyed by it";
        changed(o.type(), n.type(), path + ".window.type", why);
        changed(o.column(), n.column(), path + ".window.column", why);
        changed(o.size(), n.size(), path + ".window.size", why);
        changed(o.slide(), n.slide(), path + ".window.slide", why);
        changed(o.gap(), n.gap(), path + ".window.gap", why);
        changed(o.startTime(), n.startTime(), path + ".window.startTime", why);
        changed(o.groupByOrEmpty(), n.groupByOrEmpty(), path + ".window.groupBy", "grouping keys are the state's keys");
        changed(o.aggregationsOrEmpty(), n.aggregationsOrEmpty(), path + ".window.aggregations",
            "the aggregation buffers in the state were built for the old aggregations");
      }
      case JOIN -> {
        var o = old.join();
        var n = now.join();
        changed(o.typeOrDefault(), n.typeOrDefault(), path + ".join.type", "join state depends on the join type");
        changed(o.keysOrEmpty(), n.keysOrEmpty(), path + ".join.keys", "join state is keyed by the join keys");
        changed(o.leftTime() + "/" + o.rightTime() + "/" + o.within(), n.leftTime() + "/" + n.rightTime() + "/" + n.within(),
            path + ".join.within", "the event-time bound decides which state exists");
      }
      case DEDUPE -> changed(old.dedupe().keysOrEmpty(), now.dedupe().keysOrEmpty(), path + ".dedupe.keys",
          "seen keys are the state");
      case ANOMALY -> {
        var o = old.anomaly();
        var n = now.anomaly();
        changed(o.methodOrDefault(), n.methodOrDefault(), path + ".anomaly.method", "each method keeps different state");
        changed(o.keysOrEmpty(), n.keysOrEmpty(), path + ".anomaly.keys", "histories are kept per key");
        changed(o.column(), n.column(), path + ".anomaly.column", "the history holds values of the old column");
        // Only when both specs say it: a spec without stateTtl may come from a runner before stateTtl (its state has
        // no TTL) or mean the default; Spark's own check at the first batch decides those (and the runner says how).
        if (o.stateTtl() != null && n.stateTtl() != null
            && AnomalySpec.OFF.equals(o.stateTtlOrDefault()) != AnomalySpec.OFF.equals(n.stateTtlOrDefault())) {
          add(path + ".anomaly.stateTtl", "changed from " + o.stateTtlOrDefault() + " to " + n.stateTtlOrDefault()
              + "; Spark stores state with a time to live differently (from one duration to another is fine)");
        }
      }
    }
  }

  /**
   * Whether Spark keeps state for the step: the model's stateful kinds, SQL that aggregates, joins
   * or deduplicates, and the old query's SQL steps when only its checkpoint says it holds state.
   */
  private boolean stateful(TransformSpec t) {
    return statefulByRules(t) || (t.sql() != null && statefulByCheckpoint.contains(t.name()));
  }

  private static boolean statefulByRules(TransformSpec t) {
    return t.isStateful() || (t.sql() != null && STATEFUL_SQL.matcher(t.sql()).find());
  }

  /** The brokers of a bootstrap list, e.g. "k1:9092, k2:9092", as a set (order and case do not matter). */
  private static Set<String> brokers(String bootstrapServers) {
    Set<String> brokers = new HashSet<>();
    if (bootstrapServers != null) {
      for (String b : bootstrapServers.split(",")) {
        if (!b.isBlank()) {
          brokers.add(b.strip().toLowerCase(java.util.Locale.ROOT));
        }
      }
    }
    return brokers;
  }

  /** The first stateful transform at or downstream of {@code name} within the lineage, if any. */
  private String statefulDownstream(PipelineSpec spec, Set<String> lineage, String name) {
    List<String> todo = new ArrayList<>(List.of(name));
    Set<String> seen = new HashSet<>();
    while (!todo.isEmpty()) {
      String n = todo.remove(0);
      if (!seen.add(n)) {
        continue;
      }
      for (TransformSpec t : spec.transformsOrEmpty()) {
        if (lineage.contains(t.name()) && t.fromOrEmpty().contains(n)) {
          if (stateful(t)) {
            return t.name();
          }
          todo.add(t.name());
        }
      }
    }
    return null;
  }

  private static Set<String> lineage(PipelineSpec spec, String from) {
    return spec.lineage(from);
  }

  private static Set<String> sourceNames(PipelineSpec spec, Set<String> lineage) {
    Set<String> names = new LinkedHashSet<>();
    spec.sourcesOrEmpty().stream().map(SourceSpec::name).filter(lineage::contains).forEach(names::add);
    return names;
  }

  private void changed(Object old, Object now, String path, String why) {
    if (!Objects.equals(old, now)) {
      add(path, "changed from " + show(old) + " to " + show(now) + "; " + why);
    }
  }

  private void add(String path, String message) {
    found.add(new Incompatibility(path, message));
  }

  private static String kind(SourceSpec s) {
    if (s.kafka() != null) return "kafka";
    if (s.files() != null) return "files";
    if (s.socket() != null) return "socket";
    if (s.jdbc() != null) return "jdbc";
    return "generator";
  }

  private static String name(Enum<?> e) {
    return e == null ? "none" : e.name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String show(Object value) {
    if (value == null) {
      return "unset";
    }
    if (value instanceof Enum<?> e) {
      return name(e);
    }
    if (value instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Record) {
      return list.stream().map(CheckpointCompatibility::describeRecord).toList().toString();
    }
    return value instanceof String s ? "'" + s + "'" : value.toString();
  }

  /** Aggregations as users wrote them ({fn: sum, column: amount}), not Java record syntax. */
  private static String describeRecord(Object r) {
    if (r instanceof dev.pipelines.streaming.api.model.AggregationSpec a) {
      return name(a.fn()) + "(" + (a.column() == null ? "*" : a.column()) + ") as " + a.outputName();
    }
    return r.toString();
  }

  private static String normalize(String sql) {
    return sql == null ? null : sql.strip().replaceAll("\\s+", " ");
  }

  private static <T> T find(List<T> items, String name) {
    return items.stream().filter(i -> name.equals(nameOf(i))).findFirst().orElse(null);
  }

  private static int indexOf(List<?> items, String name) {
    for (int i = 0; i < items.size(); i++) {
      if (name.equals(nameOf(items.get(i)))) {
        return i;
      }
    }
    return -1;
  }

  private static String nameOf(Object item) {
    if (item instanceof SourceSpec s) return s.name();
    if (item instanceof TransformSpec t) return t.name();
    if (item instanceof SinkSpec s) return s.name();
    return null;
  }
}
