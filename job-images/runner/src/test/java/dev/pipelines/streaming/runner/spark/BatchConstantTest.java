package dev.pipelines.streaming.runner.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_millis;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.metrics.source.CodegenMetrics;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.runtime.StreamingQueryWrapper;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A value constant per batch reaches generated code as a reference, so the code is compiled once. */
class BatchConstantTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static List<Long> plus(long constant) {
    return spark.range(3).select(col("id").plus(BatchConstant.of(lit(constant)))).collectAsList().stream()
        .map(r -> r.getLong(0)).toList();
  }

  @Test
  void eachQueryReadsItsOwnValueFromTheSameCompiledCode() {
    assertThat(plus(7)).containsExactly(7L, 8L, 9L);
    long compiled = CodegenMetrics.METRIC_COMPILATION_TIME().getCount();
    assertThat(plus(1_000_000_000_000L)).containsExactly(1_000_000_000_000L, 1_000_000_000_001L, 1_000_000_000_002L);
    assertThat(CodegenMetrics.METRIC_COMPILATION_TIME().getCount()).as("compilations for the second value").isEqualTo(compiled);
  }

  @Test
  void eachMicroBatchReadsItsOwnClockFromCodeCompiledOnce(@TempDir Path dir) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    StreamingQuery q = spark.readStream().schema("v string").text(in.toString())
        .select(col("v"), unix_millis(BatchConstant.of(current_timestamp())).as("clock"))
        .writeStream().format("memory").queryName("batch_clocks").start();
    long first;
    long second;
    long compilations;
    try {
      Files.writeString(in.resolve("1.txt"), "a\n");
      q.processAllAvailable();
      first = batchTimestampMs(q);
      long compiled = CodegenMetrics.METRIC_COMPILATION_TIME().getCount();
      Thread.sleep(5); // the next batch's clock is later, by at least a millisecond
      Files.writeString(in.resolve("2.txt"), "b\n");
      q.processAllAvailable();
      second = batchTimestampMs(q);
      compilations = CodegenMetrics.METRIC_COMPILATION_TIME().getCount() - compiled;
    } finally {
      q.stop();
    }
    assertThat(second).isGreaterThan(first);
    assertThat(spark.table("batch_clocks").orderBy("v").collectAsList()).containsExactly(
        RowFactory.create("a", first), RowFactory.create("b", second));
    assertThat(compilations).as("code generated for the second batch").isZero();
  }

  /** The processing time Spark recorded in the offset log for the query's last batch. */
  private static long batchTimestampMs(StreamingQuery q) {
    return ((StreamingQueryWrapper) q).streamingQuery().lastExecution().offsetSeqMetadata().batchTimestampMs();
  }

  @Test
  void aNullOrAnObjectValueAndTheInterpretedPathWork() {
    assertThat(spark.range(1).select(BatchConstant.of(lit(null).cast("bigint")).isNull(), BatchConstant.of(lit("a")))
        .collectAsList()).containsExactly(RowFactory.create(true, "a"));
    spark.conf().set("spark.sql.codegen.wholeStage", "false");
    spark.conf().set("spark.sql.codegen.factoryMode", "NO_CODEGEN");
    try {
      assertThat(plus(5)).containsExactly(5L, 6L, 7L);
    } finally {
      spark.conf().unset("spark.sql.codegen.wholeStage");
      spark.conf().unset("spark.sql.codegen.factoryMode");
    }
  }

  @Test
  void itStaysInThePlanRatherThanBeingFoldedIntoALiteral() {
    String plan = spark.range(1).select(BatchConstant.of(lit(3L).plus(lit(4L)))).queryExecution().executedPlan().treeString();
    assertThat(plan).contains("batch_constant(7) AS");
  }
}
