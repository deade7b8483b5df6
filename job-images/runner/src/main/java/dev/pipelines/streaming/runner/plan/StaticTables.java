package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.DataFormat;
import dev.pipelines.streaming.api.model.FilesSourceSpec;
import dev.pipelines.streaming.api.model.JdbcSourceSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The DataFrames of static sources, before {@link StaticTable} caches them. */
final class StaticTables {
  private StaticTables() {}

  static Dataset<Row> files(SparkSession spark, SourceSpec source) {
    FilesSourceSpec f = source.files();
    DataFrameReader reader = spark.read().format(f.format().sparkName()).options(fileOptions(source, f));
    if (f.format() != DataFormat.TEXT) {
      reader = reader.schema(SourceSchemas.declared(source));
    }
    return reader.load(f.path());
  }

  static Dataset<Row> jdbc(SparkSession spark, JdbcSourceSpec j, SecretResolver secrets, String path) {
    return spark.read().format("jdbc")
        .option("url", j.url())
        .option("dbtable", j.table())
        .option("driver", "org.postgresql.Driver")
        .options(j.optionsOrEmpty())
        .options(secrets.jdbcOptions(j.user(), j.password(), path))
        .load();
  }

  /** Reader options shared by streaming and static file sources. */
  static Map<String, String> fileOptions(SourceSpec source, FilesSourceSpec f) {
    Map<String, String> options = new HashMap<>();
    if (f.format() == DataFormat.CSV) {
      options.put("header", "true");
    }
    options.putAll(source.parseOptions());
    options.putAll(f.optionsOrEmpty());
    return options;
  }
}
