package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import dev.pipelines.streaming.api.model.DataFormat;
import dev.pipelines.streaming.api.model.FilesSourceSpec;
import dev.pipelines.streaming.api.model.KafkaSourceSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The real sources: Kafka, files, sockets and the generator. */
public final class LiveSources implements SourceFactory {
  private final SparkSession spark;
  private final SecretResolver secrets;

  private final List<StaticTable> staticTables = new java.util.ArrayList<>();

  public LiveSources(SparkSession spark, SecretResolver secrets) {
    this.spark = spark;
    this.secrets = secrets;
  }

  @Override
  public List<StaticTable> staticTables() {
    return List.copyOf(staticTables);
  }

  private Dataset<Row> keep(StaticTable table) {
    staticTables.add(table);
    return table.rows();
  }

  @Override
  public Dataset<Row> create(SourceSpec source, String path) {
    return create(source, path, false);
  }

  @Override
  public Dataset<Row> create(SourceSpec source, String path, boolean keepUnparsable) {
    if (source.generator() != null) {
      return GeneratorStreams.clickstream(spark, source.generator());
    }
    if (source.jdbc() != null) {
      return keep(StaticTable.jdbc(spark, source, secrets, path + ".jdbc"));
    }
    if (source.files() != null && source.isStatic()) {
      return keep(StaticTable.files(spark, source));
    }
    boolean keep = keepUnparsable && source.parsesRows();
    if (source.files() != null) {
      return files(source, source.files(), keep);
    }
    if (source.kafka() != null) {
      return parseValue(source, kafka(source.kafka(), path), keep);
    }
    Dataset<Row> lines = spark.readStream().format("socket")
        .option("host", source.socket().host())
        .option("port", source.socket().port())
        .load();
    return parseValue(source, lines, keep);
  }

  private Dataset<Row> kafka(KafkaSourceSpec k, String path) {
    DataStreamReader reader = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", k.bootstrapServers())
        .option("startingOffsets", k.startingOffsetsOrDefault())
        // A topic deleted or truncated under a running query should not kill it silently;
        // Spark's default (true) fails the query, which the operator then reports.
        .options(k.optionsOrEmpty())
        .option("includeHeaders", k.includeHeadersOrDefault());
    reader = k.topic() != null ? reader.option("subscribe", k.topic()) : reader.option("subscribePattern", k.pattern());
    reader = reader.options(secrets.kafkaSaslOptions(k.credentials(), path + ".kafka.credentials"));
    return reader.load();
  }

  private Dataset<Row> files(SourceSpec source, FilesSourceSpec f, boolean keepUnparsable) {
    createLocalDirectory(f.path());
    DataStreamReader reader = spark.readStream().format(f.format().sparkName())
        .options(StaticTables.fileOptions(source, f));
    if (f.maxFilesPerTrigger() != null) {
      reader = reader.option("maxFilesPerTrigger", f.maxFilesPerTrigger());
    }
    if (keepUnparsable) { // Spark's PERMISSIVE mode keeps a bad line's text in this column (after the user's options)
      return reader.option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", DeadLetters.UNPARSED)
          .schema(SourceSchemas.declared(source).add(DeadLetters.UNPARSED, DataTypes.StringType))
          .load(f.path())
          .select(col("*"), col("_metadata.file_path").as(DeadLetters.FILE));
    }
    if (f.format() != DataFormat.TEXT) {
      reader = reader.schema(SourceSchemas.declared(source));
    }
    return reader.load(f.path());
  }

  /**
   * Spark refuses to start a file source on a directory that does not exist yet; a local
   * input directory is created so the pipeline simply waits for files.
   */
  private static void createLocalDirectory(String location) {
    URI uri = URI.create(location.replace(" ", "%20"));
    if (uri.getScheme() == null || "file".equals(uri.getScheme())) {
      try {
        Files.createDirectories(uri.getScheme() == null ? Path.of(location) : Path.of(uri));
      } catch (IOException | RuntimeException e) {
        // Spark reports the path problem itself, with its own message.
      }
    }
  }

  /**
   * Kafka and socket rows carry a raw value; parse it per the declared format. With
   * {@code keepUnparsable}, a value that does not parse keeps its text in {@link DeadLetters#UNPARSED}
   * (Spark's PERMISSIVE mode) and a Kafka record its coordinates.
   */
  static Dataset<Row> parseValue(SourceSpec source, Dataset<Row> raw, boolean keepUnparsable) {
    boolean kafka = source.kafka() != null;
    List<Column> columns = new ArrayList<>();
    Column value = col("value").cast("string");
    DataFormat format = source.formatOrDefault();
    if (format == DataFormat.TEXT) {
      columns.add(value.as("value"));
    } else {
      StructType schema = SourceSchemas.declared(source);
      Map<String, String> options = new java.util.HashMap<>(source.parseOptions());
      if (keepUnparsable) {
        schema = schema.add(DeadLetters.UNPARSED, DataTypes.StringType);
        options.put("mode", "PERMISSIVE");
        options.put("columnNameOfCorruptRecord", DeadLetters.UNPARSED);
      }
      Column parsed = format == DataFormat.CSV
          ? from_csv(value, lit(schema.toDDL()), options)
          : from_json(value, schema, options);
      if (keepUnparsable) { // an empty value or a tombstone parses to nothing: a dead letter too, not a row of nulls
        Column[] nothing = java.util.Arrays.stream(schema.fields())
            .map(f -> f.name().equals(DeadLetters.UNPARSED) ? coalesce(value, lit("")).as(f.name())
                : lit(null).cast(f.dataType()).as(f.name()))
            .toArray(Column[]::new);
        parsed = when(value.isNull().or(trim(value).equalTo("")).or(parsed.isNull()), struct(nothing)).otherwise(parsed);
      }
      columns.add(parsed.as("parsed"));
    }
    if (keepUnparsable && kafka) {
      columns.add(col("topic").as(DeadLetters.TOPIC));
      columns.add(col("partition").as(DeadLetters.PARTITION));
      columns.add(col("offset").as(DeadLetters.OFFSET));
    }
    if (kafka && source.kafka().includeMetadataOrDefault()) {
      columns.add(col("key").cast("string").as("kafkaKey"));
      columns.add(col("topic").as("kafkaTopic"));
      columns.add(col("partition").as("kafkaPartition"));
      columns.add(col("offset").as("kafkaOffset"));
      columns.add(col("timestamp").as("kafkaTimestamp"));
    }
    if (kafka && source.kafka().includeHeadersOrDefault()) {
      // Spark's headers (array<struct<key: string, value: binary>>, null when a record has none)
      // with text values: what a filter or select can compare with a literal
      columns.add(transform(col("headers"), h -> struct(h.getField("key").as("key"),
          h.getField("value").cast("string").as("value"))).as("kafkaHeaders"));
    }
    Dataset<Row> selected = raw.select(columns.toArray(Column[]::new));
    if (format == DataFormat.TEXT) {
      return selected;
    }
    List<Column> flat = new ArrayList<>();
    flat.add(col("parsed.*"));
    for (String c : selected.columns()) {
      if (!c.equals("parsed")) {
        flat.add(col(c));
      }
    }
    return selected.select(flat.toArray(Column[]::new));
  }
}
