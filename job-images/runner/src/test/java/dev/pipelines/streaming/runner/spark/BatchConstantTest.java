package dev.pipelines.streaming.runner.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.util.List;
import org.apache.spark.metrics.source.CodegenMetrics;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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
