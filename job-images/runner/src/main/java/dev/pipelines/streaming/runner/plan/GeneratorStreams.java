package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import dev.pipelines.streaming.api.model.GeneratorSourceSpec;
import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The built-in demo streams, on Spark's rate source. Every column is a pure function of the
 * rate source's sequence number, so a restarted query replays exactly the same rows: what
 * makes exactly-once testable, and demo output repeatable.
 */
final class GeneratorStreams {
  static final String[] PAGES = {"/home", "/search", "/products", "/product/42", "/cart", "/checkout"};

  private GeneratorStreams() {}

  static Dataset<Row> clickstream(SparkSession spark, GeneratorSourceSpec spec) {
    Dataset<Row> rate = spark.readStream().format("rate")
        .option("rowsPerSecond", spec.rowsPerSecondOrDefault())
        .load();
    Column n = col("value");
    Column[] pages = Arrays.stream(PAGES).map(p -> lit(p)).toArray(Column[]::new);
    return rate.select(
        n.as("eventId"),
        concat(lit("user-"), pmod(xxhash64(n, lit(1)), lit(spec.usersOrDefault())).cast("string")).as("userId"),
        element_at(array(pages), pmod(xxhash64(n, lit(2)), lit(PAGES.length)).cast("int").plus(1)).as("page"),
        pmod(n.multiply(7919), lit(20000)).divide(100).cast("decimal(10,2)").as("amount"),
        col("timestamp").as("eventTime"));
  }
}
