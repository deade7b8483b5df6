package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.col;

import dev.pipelines.streaming.api.model.ExpectationSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.model.TransformSpec;
import dev.pipelines.streaming.api.validation.PipelineValidator;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.runner.http.FailedDeliveries;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.analysis.UnsupportedOperationChecker$;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.TimestampType;

/**
 * Turns a validated spec into one streaming DataFrame per sink, letting Spark's parser and
 * analyzer check every SQL expression and column. Spark's errors come back as problems with
 * the field path of the transform or sink that caused them; steps downstream of a broken
 * one are skipped rather than reported again.
 */
public final class PipelinePlanner {
  private final SparkSession spark;
  private final SourceFactory sources;
  private final List<Problem> problems = new ArrayList<>();
  private final Map<String, Dataset<Row>> frames = new HashMap<>();
  /** Each sink's rows after its expectations, before its kind's projection. */
  private final Map<String, Dataset<Row>> sinkRows = new HashMap<>();
  /** Names that could not be built; anything reading them is skipped silently. */
  private final Set<String> broken = new HashSet<>();
  /** Window transforms whose event-time column carries no watermark in Spark's analysed plan. */
  private final Map<String, TransformSpec> unwatermarkedWindows = new HashMap<>();
  private PipelineSpec spec;
  /** Where rows go that do not parse or violate a deadLetter rule; null when no sink reads them. */
  private DeadLetters deadLetters;

  private PipelinePlanner(SparkSession spark, SourceFactory sources) {
    this.spark = spark;
    this.sources = sources;
  }

  /** The planned pipeline; throws {@link PlanningException} listing every problem. */
  public static PlannedPipeline plan(SparkSession spark, StreamingPipeline pipeline, SourceFactory sources) {
    PipelinePlanner planner = new PipelinePlanner(spark, sources);
    if (pipeline.spec().hasDeadLetterSink()) {
      planner.deadLetters = new DeadLetters(pipeline.name());
    }
    Map<SinkSpec, Dataset<Row>> sinks = planner.planSpec(pipeline.spec());
    if (!planner.problems.isEmpty()) {
      throw new PlanningException(planner.problems);
    }
    return new PlannedPipeline(pipeline, sinks, sources.staticTables(), Map.copyOf(planner.frames),
        Map.copyOf(planner.sinkRows));
  }

  private Map<SinkSpec, Dataset<Row>> planSpec(PipelineSpec spec) {
    this.spec = spec;
    List<SourceSpec> sourceSpecs = spec.sourcesOrEmpty();
    for (int i = 0; i < sourceSpecs.size(); i++) {
      planSource(sourceSpecs.get(i), "spec.sources[" + i + "]");
    }
    planTransforms(spec.transformsOrEmpty());
    Map<SinkSpec, Dataset<Row>> planned = new HashMap<>();
    // Sinks of the dead letters last: the other sinks' rules add to them.
    for (boolean ofDeadLetters : new boolean[] {false, true}) {
      for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
        SinkSpec sink = spec.sinksOrEmpty().get(i);
        if (PipelineSpec.DEAD_LETTERS.equals(sink.from()) == ofDeadLetters) {
          Dataset<Row> rows = planSink(sink, "spec.sinks[" + i + "]");
          if (rows != null) {
            planned.put(sink, rows);
          }
        }
      }
    }
    Map<SinkSpec, Dataset<Row>> sinks = new LinkedHashMap<>();
    spec.sinksOrEmpty().stream().filter(planned::containsKey).forEach(s -> sinks.put(s, planned.get(s)));
    return sinks;
  }

  private void planSource(SourceSpec source, String path) {
    List<Problem> typeProblems = SourceSchemas.typeProblems(source, path);
    if (!typeProblems.isEmpty()) {
      problems.addAll(typeProblems);
      broken.add(source.name());
      return;
    }
    try {
      Dataset<Row> df = sources.create(source, path, deadLetters != null);
      if (DeadLetters.hasUnparsed(df)) {
        String format = (source.files() != null ? source.files().format() : source.formatOrDefault()).sparkName();
        df = DeadLetters.withoutHiddenColumns(
            Expectations.apply(df, List.of(DeadLetters.parsable(df, source.files() != null)), source.name(), deadLetters, format));
      }
      if (source.watermark() != null) {
        df = WatermarkGuard.withWatermark(df, source.watermark(), source.name());
      }
      frames.put(source.name(), df);
    } catch (PlanningException e) {
      problems.addAll(e.problems());
      broken.add(source.name());
    } catch (Exception e) {
      problems.add(Problem.at(path, SparkErrors.oneLine(e)));
      broken.add(source.name());
    }
  }

  /** In dependency order; the api validator has already ruled out cycles and unknown names. */
  private void planTransforms(List<TransformSpec> transforms) {
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < transforms.size(); i++) {
      index.put(transforms.get(i).name(), i);
    }
    Set<String> pending = new java.util.LinkedHashSet<>(index.keySet());
    boolean progress = true;
    while (!pending.isEmpty() && progress) {
      progress = false;
      for (String name : List.copyOf(pending)) {
        TransformSpec t = transforms.get(index.get(name));
        if (t.fromOrEmpty().stream().allMatch(in -> frames.containsKey(in) || broken.contains(in))) {
          planTransform(t, "spec.transforms[" + index.get(name) + "]");
          pending.remove(name);
          progress = true;
        }
      }
    }
  }

  private void planTransform(TransformSpec t, String path) {
    if (t.fromOrEmpty().stream().anyMatch(broken::contains)) {
      broken.add(t.name());
      return;
    }
    Map<String, Dataset<Row>> inputs = new LinkedHashMap<>();
    t.fromOrEmpty().forEach(in -> inputs.put(in, frames.get(in)));
    Dataset<Row> result;
    try {
      result = Transforms.apply(spark, t, inputs);
    } catch (Exception e) {
      broken.add(t.name());
      problems.add(Problem.at(pathOfFailure(t, path, inputs), SparkErrors.oneLine(e)));
      return;
    }
    if (t.window() != null && !EventTime.windowEventTimeIsWatermarked(inputs.values().iterator().next(), t.window().column())) {
      unwatermarkedWindows.put(t.name(), t);
    }
    Dataset<Row> checked = withExpectations(result, t.expectationsOrEmpty(), t.name(), path);
    if (checked != null && t.watermark() != null) {
      checked = withWatermark(checked, t, path + ".watermark");
    }
    if (checked == null) {
      broken.add(t.name());
    } else {
      frames.put(t.name(), checked);
    }
  }

  /** The transform's watermark on its own output column, which must be a timestamp; null after a problem. */
  private Dataset<Row> withWatermark(Dataset<Row> df, TransformSpec t, String path) {
    String column = t.watermark().column();
    Optional<StructField> field = EventTime.field(df, column);
    if (field.isEmpty()) {
      problems.add(Problem.at(path + ".column", "'" + column + "' is not a column of this transform's output",
          "its columns: " + String.join(", ", df.columns())));
      return null;
    }
    if (!(field.get().dataType() instanceof TimestampType)) {
      problems.add(Problem.at(path + ".column", "'" + column + "' is " + field.get().dataType().simpleString()
          + ", not a timestamp", "derive one in this transform, e.g. timestamp_millis(" + column + ") AS eventTime"));
      return null;
    }
    try {
      return WatermarkGuard.withWatermark(df, t.watermark(), t.name());
    } catch (Exception e) {
      problems.add(Problem.at(path, SparkErrors.oneLine(e)));
      return null;
    }
  }

  /** The DataFrame with its data-quality rules, or null after reporting a rule Spark rejects. */
  private Dataset<Row> withExpectations(Dataset<Row> df, List<ExpectationSpec> rules, String step, String path) {
    try {
      return Expectations.apply(df, rules, step, deadLetters, null);
    } catch (Exception e) {
      for (int i = 0; i < rules.size(); i++) {
        try {
          df.filter(functions.expr(rules.get(i).condition()));
        } catch (Exception ruleError) {
          problems.add(Problem.at(path + ".expectations[" + i + "].condition", SparkErrors.oneLine(ruleError)));
          return null;
        }
      }
      problems.add(Problem.at(path + ".expectations", SparkErrors.oneLine(e)));
      return null;
    }
  }

  /** The most precise field for a transform failure: the select item or column at fault. */
  private String pathOfFailure(TransformSpec t, String path, Map<String, Dataset<Row>> inputs) {
    Dataset<Row> in = inputs.values().iterator().next();
    switch (t.kind()) {
      case FILTER:
        return path + ".filter";
      case SQL:
        return path + ".sql";
      case JOIN:
        return path + ".join";
      case DEDUPE:
        return path + ".dedupe.keys";
      case ANOMALY:
        return path + ".anomaly";
      case SELECT:
        for (int i = 0; i < t.select().size(); i++) {
          try {
            in.selectExpr(t.select().get(i));
          } catch (Exception e) {
            return path + ".select[" + i + "]";
          }
        }
        return path + ".select";
      default:
        Set<String> columns = new HashSet<>();
        for (String c : in.columns()) {
          columns.add(c.toLowerCase(Locale.ROOT));
        }
        var w = t.window();
        if (!columns.contains(w.column().toLowerCase(Locale.ROOT))) {
          return path + ".window.column";
        }
        for (int i = 0; i < w.groupByOrEmpty().size(); i++) {
          if (!columns.contains(w.groupByOrEmpty().get(i).toLowerCase(Locale.ROOT))) {
            return path + ".window.groupBy[" + i + "]";
          }
        }
        for (int i = 0; i < w.aggregationsOrEmpty().size(); i++) {
          String c = w.aggregationsOrEmpty().get(i).column();
          if (c != null && !columns.contains(c.toLowerCase(Locale.ROOT))) {
            return path + ".window.aggregations[" + i + "].column";
          }
        }
        return path + ".window";
    }
  }

  private Dataset<Row> planSink(SinkSpec sink, String path) {
    if (broken.contains(sink.from())) {
      return null;
    }
    Dataset<Row> input = frames.get(sink.from());
    if (PipelineSpec.DEAD_LETTERS.equals(sink.from())) {
      if (spec.lineage(sink.from()).stream().anyMatch(broken::contains)) {
        return null; // a step that routes here could not be planned; its problem is reported
      }
      input = deadLetters.all();
      if (input == null && !spec.deadLetteringHttpSinks().isEmpty() && sink.kafka() != null) {
        // Only failed HTTP deliveries reach it, written by those sinks: no query of its own, but
        // its key is checked now against the dead letters' columns, not at the first failure.
        if (!sink.expectationsOrEmpty().isEmpty()) {
          problems.add(Problem.at(path + ".expectations", "a sink fed only by failed HTTP deliveries runs no query to "
              + "check rules in"));
        }
        try {
          Sinks.project(sink, FailedDeliveries.letters(spark, "", "", List.of(), "")).schema();
        } catch (Exception e) {
          problems.add(Problem.at(path + ".kafka.key", SparkErrors.oneLine(e)));
        }
        return null;
      }
      if (input == null) {
        problems.add(Problem.at(path + ".from", "no row can become a dead letter in this pipeline"));
        return null;
      }
    }
    Dataset<Row> rows = withExpectations(input, sink.expectationsOrEmpty(), sink.name(), path);
    if (rows == null) {
      return null;
    }
    try {
      List<String> columns = sink.files() != null ? sink.files().partitionByOrEmpty()
          : sink.jdbc() != null ? sink.jdbc().keysOrEmpty()
          : sink.mongodb() != null ? sink.mongodb().keysOrEmpty() : List.of();
      String columnsPath = sink.files() != null ? path + ".files.partitionBy"
          : sink.jdbc() != null ? path + ".jdbc.keys" : path + ".mongodb.keys";
      for (int i = 0; i < columns.size(); i++) {
        try {
          rows.select(col("`" + columns.get(i) + "`"));
        } catch (Exception e) {
          problems.add(Problem.at(columnsPath + "[" + i + "]", SparkErrors.oneLine(e)));
          return null;
        }
      }
      Dataset<Row> projected;
      try {
        projected = Sinks.project(sink, rows);
      } catch (Exception e) {
        problems.add(Problem.at(path + ".kafka.key", SparkErrors.oneLine(e)));
        return null;
      }
      if (sink.outputModeOrDefault() == dev.pipelines.streaming.api.model.OutputMode.APPEND) {
        Optional<TransformSpec> window = spec.lineage(sink.from()).stream()
            .map(unwatermarkedWindows::get).filter(w -> w != null).findFirst();
        if (window.isPresent()) {
          problems.add(PipelineValidator.appendWithoutWatermark(path, window.get()));
          return null;
        }
      }
      List<Problem> alertColumns = dev.pipelines.streaming.runner.http.AlertmanagerAlerts.problems(sink, rows.schema(), path);
      if (!alertColumns.isEmpty()) {
        problems.addAll(alertColumns);
        return null;
      }
      if (dev.pipelines.streaming.api.validation.RealTimeRules.interval(sink).isPresent()) {
        long sources = spec.sourcesOrEmpty().stream()
            .filter(s -> s.kafka() != null && spec.lineage(sink.from()).contains(s.name())).count();
        Optional<String> refused = RealTimePlans.refused(projected.queryExecution().analyzed(), sources);
        if (refused.isPresent()) {
          problems.add(Problem.at(path + ".trigger.realTime", "real-time mode runs stateless queries only; this one has "
              + refused.get(), "use a processingTime trigger for this sink"));
          return null;
        }
      }
      // Spark's own streaming rules (output modes, watermarks, joins), checked before start.
      UnsupportedOperationChecker$.MODULE$.checkForStreaming(
          projected.queryExecution().analyzed(), Sinks.outputMode(sink));
      sinkRows.put(sink.name(), rows);
      return projected;
    } catch (Exception e) {
      problems.add(Problem.at(path, SparkErrors.oneLine(e)));
      return null;
    }
  }
}
