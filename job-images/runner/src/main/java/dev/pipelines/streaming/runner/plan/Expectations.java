package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import dev.pipelines.streaming.api.model.ExpectationSpec;
import dev.pipelines.streaming.api.model.ExpectationSpec.OnViolation;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Data-quality rules on a DataFrame. Violations (condition false or null) are counted per
 * rule per micro-batch with Spark's observed metrics, which arrive in each query's progress
 * under {@link #METRICS_PREFIX}{@code <step>}; then {@code fail} rules stop the query,
 * {@code drop} rules remove the rows and {@code deadLetter} rules remove them and add them to
 * the pipeline's {@link DeadLetters}.
 */
public final class Expectations {
  public static final String METRICS_PREFIX = "expectations.";
  public static final String ROWS = "rows";

  private Expectations() {}

  static Dataset<Row> apply(Dataset<Row> df, List<ExpectationSpec> rules, String step) {
    return apply(df, rules, step, null, null);
  }

  /**
   * The rows meeting the rules; violations of {@code deadLetter} rules also go to
   * {@code deadLetters} (taken from the rows before they are observed, so the dead-letter query
   * does not count them again). {@code format} names what an unparsable row failed to be.
   */
  static Dataset<Row> apply(Dataset<Row> df, List<ExpectationSpec> rules, String step, DeadLetters deadLetters,
      String format) {
    if (rules.isEmpty()) {
      return df;
    }
    List<Column> metrics = new ArrayList<>();
    for (ExpectationSpec rule : rules) {
      metrics.add(sum(when(met(rule), lit(0L)).otherwise(lit(1L))).as(rule.name()));
    }
    Dataset<Row> observed = df.observe(METRICS_PREFIX + step, count(lit(1)).as(ROWS), metrics.toArray(Column[]::new));
    for (ExpectationSpec rule : rules) {
      if (rule.onViolationOrDefault() == OnViolation.FAIL) {
        String message = "expectation '" + rule.name() + "' of '" + step + "' failed: " + rule.condition();
        observed = observed.filter(when(met(rule), lit(true)).otherwise(raise_error(lit(message)).cast("boolean")));
      }
    }
    for (ExpectationSpec rule : rules) {
      if (rule.onViolationOrDefault() == OnViolation.DEAD_LETTER) {
        if (deadLetters == null) {
          throw new IllegalStateException("rule '" + rule.name() + "' of '" + step + "' routes to dead letters no sink reads");
        }
        deadLetters.add(df.filter(functions.not(met(rule))), step, rule, format);
      }
    }
    for (ExpectationSpec rule : rules) {
      OnViolation action = rule.onViolationOrDefault();
      if (action == OnViolation.DROP || action == OnViolation.DEAD_LETTER) {
        observed = observed.filter(met(rule));
      }
    }
    return observed;
  }

  /** A column name as a SQL identifier, for a condition written as SQL text. */
  static String quoted(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

  /** True only where the condition is true: null counts as a violation. */
  private static Column met(ExpectationSpec rule) {
    return coalesce(expr(rule.condition()), lit(false));
  }
}
