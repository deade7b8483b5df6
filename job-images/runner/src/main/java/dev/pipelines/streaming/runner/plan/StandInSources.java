package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.lit;

import dev.pipelines.streaming.api.model.SourceSpec;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Streaming DataFrames with each source's declared columns and no external system behind
 * them (Spark's rate source, projected to typed nulls). {@code validate} plans the whole
 * pipeline on these, so Spark's analyzer and streaming checks run without Kafka or files.
 */
public final class StandInSources implements SourceFactory {
  private final SparkSession spark;
  private final SecretResolver secrets;

  public StandInSources(SparkSession spark) {
    this(spark, SecretResolver.fromSystemEnvironment());
  }

  public StandInSources(SparkSession spark, SecretResolver secrets) {
    this.spark = spark;
    this.secrets = secrets;
  }

  @Override
  public Dataset<Row> create(SourceSpec source, String path) {
    if (source.generator() != null) {
      return GeneratorStreams.clickstream(spark, source.generator());
    }
    if (source.jdbc() != null) {
      // A table's columns live in the database: validating a jdbc source reads its schema.
      return StaticTables.jdbc(spark, source.jdbc(), secrets, path + ".jdbc");
    }
    if (source.isStatic()) {
      return spark.createDataFrame(new java.util.ArrayList<Row>(), SourceSchemas.output(source));
    }
    Column[] columns = Arrays.stream(SourceSchemas.output(source).fields())
        .map(f -> lit(null).cast(f.dataType()).as(f.name()))
        .toArray(Column[]::new);
    return spark.readStream().format("rate").load().select(columns);
  }
}
