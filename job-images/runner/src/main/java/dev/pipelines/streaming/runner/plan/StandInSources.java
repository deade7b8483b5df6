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

  public StandInSources(SparkSession spark) {
    this.spark = spark;
  }

  @Override
  public Dataset<Row> create(SourceSpec source, String path) {
    if (source.generator() != null) {
      return GeneratorStreams.clickstream(spark, source.generator());
    }
    Column[] columns = Arrays.stream(SourceSchemas.output(source).fields())
        .map(f -> lit(null).cast(f.dataType()).as(f.name()))
        .toArray(Column[]::new);
    return spark.readStream().format("rate").load().select(columns);
  }
}
