package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import dev.pipelines.streaming.api.model.ExpectationSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.runner.spark.BatchConstant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The pipeline's dead letters: rows of a parsing source that do not parse (Spark's corrupt-record
 * column, {@code columnNameOfCorruptRecord}) and rows violating a rule with
 * {@code onViolation: deadLetter}, each as one row of {@link #COLUMNS}. Sinks reading
 * {@link PipelineSpec#DEAD_LETTERS} write the union of them all: a query of its own, reading the
 * same sources, so the main queries never wait for it.
 */
public final class DeadLetters {
  /** The corrupt-record column a parsing source gets while dead letters are routed; never reaches a transform. */
  public static final String UNPARSED = "__spo_unparsed";
  /** A Kafka record's coordinates and a file's path, kept beside a parsing source's rows for the same time. */
  public static final String TOPIC = "__spo_topic";
  public static final String PARTITION = "__spo_partition";
  public static final String OFFSET = "__spo_offset";
  public static final String FILE = "__spo_file";
  private static final Set<String> HIDDEN = Set.of(UNPARSED, TOPIC, PARTITION, OFFSET, FILE);

  /** The implicit rule a parsing source's rows meet when they parse, counted as {@code <source>.parsable}. */
  public static final String PARSABLE_RULE = "parsable";

  /** What a dead letter holds, in order. */
  public static final List<String> COLUMNS = List.of("pipeline", "step", "reason", "error", "topic", "partition", "offset",
      "file", "value", "rejectedAt");

  private final String pipeline;
  /** By order key: a query's sources are numbered in plan order, so the union must not follow the YAML's order. */
  private final java.util.TreeMap<String, Dataset<Row>> letters = new java.util.TreeMap<>();

  DeadLetters(String pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * The rule that routes a parsing source's unparsable rows. For a files source it reads every
   * declared column: Spark's file readers parse only the columns a query uses, so a query reading
   * fewer would take a row with a bad value in another column as parsed while the dead-letter
   * query (which reads them all) rejects it; and Spark refuses a file query of the corrupt-record
   * column alone. Kafka values are parsed whole by from_json/from_csv: no per-row cost there.
   */
  static ExpectationSpec parsable(Dataset<Row> df, boolean files) {
    String declared = Arrays.stream(df.columns()).filter(c -> !HIDDEN.contains(c)).map(Expectations::quoted)
        .collect(java.util.stream.Collectors.joining(", "));
    String readsAll = declared.isEmpty() || !files ? "" : " AND length(to_json(struct(" + declared + "))) >= 0";
    return new ExpectationSpec(PARSABLE_RULE, Expectations.quoted(UNPARSED) + " IS NULL" + readsAll, ExpectationSpec.OnViolation.DEAD_LETTER);
  }

  /** Whether the frame carries a parsing source's corrupt-record column. */
  static boolean hasUnparsed(Dataset<Row> df) {
    return Arrays.asList(df.columns()).contains(UNPARSED);
  }

  /**
   * A stand-in source's frame with the columns a live parsing source gets while dead letters are
   * routed, all null (no row of it fails to parse), so the dead-letter query plans the same way.
   */
  public static Dataset<Row> withStandInColumns(Dataset<Row> df, dev.pipelines.streaming.api.model.SourceSpec source) {
    Dataset<Row> out = df.withColumn(UNPARSED, lit(null).cast("string"));
    if (source.kafka() != null) {
      out = out.withColumn(TOPIC, lit(null).cast("string")).withColumn(PARTITION, lit(null).cast("int"))
          .withColumn(OFFSET, lit(null).cast("bigint"));
    }
    if (source.files() != null) {
      out = out.withColumn(FILE, lit(null).cast("string"));
    }
    return out;
  }

  /** The frame without the columns only dead letters use. */
  static Dataset<Row> withoutHiddenColumns(Dataset<Row> df) {
    return df.drop(HIDDEN.toArray(String[]::new));
  }

  /**
   * Adds the rows of {@code step} that violate {@code rule} as dead letters: an unparsable row's
   * raw text and Kafka coordinates or file; a rule violation's row as JSON, with coordinates from
   * the row's {@code kafkaTopic}/{@code kafkaPartition}/{@code kafkaOffset} columns when the source
   * includes its metadata.
   */
  void add(Dataset<Row> violating, String step, ExpectationSpec rule, String format) {
    List<String> columns = Arrays.asList(violating.columns());
    boolean unparsed = columns.contains(UNPARSED);
    Column[] visible = columns.stream().filter(c -> !HIDDEN.contains(c)).map(c -> col(Expectations.quoted(c))).toArray(Column[]::new);
    // unparsable rows first, by source; then rule violations, by step and rule
    // (a sink may share a transform's name: the count keeps both branches)
    String key = (unparsed ? "0/" : "1/") + step + "/" + rule.name() + "/" + letters.size();
    letters.put(key, violating.select(
        lit(pipeline).as("pipeline"),
        lit(step).as("step"),
        lit(unparsed ? "unparsable" : "expectation").as("reason"),
        lit(unparsed ? "not valid " + String.valueOf(format).toUpperCase(java.util.Locale.ROOT) + " for the declared schema"
            : "expectation '" + rule.name() + "' failed: " + rule.condition()).as("error"),
        coordinate(columns, TOPIC, "kafkaTopic", "string").as("topic"),
        coordinate(columns, PARTITION, "kafkaPartition", "int").as("partition"),
        coordinate(columns, OFFSET, "kafkaOffset", "bigint").as("offset"),
        coordinate(columns, FILE, null, "string").as("file"),
        // the raw text (the parsable rule's filter reads every column: see parsable())
        unparsed ? col(UNPARSED).as("value") : to_json(struct(visible)).as("value"),
        // the batch's time, as a reference: a literal would make Spark compile this query every batch
        BatchConstant.of(current_timestamp()).as("rejectedAt")));
  }

  private static Column coordinate(List<String> columns, String hidden, String metadata, String type) {
    if (columns.contains(hidden)) {
      return col(hidden).cast(type);
    }
    if (metadata != null && columns.contains(metadata)) {
      return col(metadata).cast(type);
    }
    return lit(null).cast(type);
  }

  /** Every dead letter of the pipeline as one stream; null when nothing routes there. */
  Dataset<Row> all() {
    return letters.values().stream().reduce(Dataset::union).orElse(null);
  }
}
