package dev.pipelines.streaming.runner.plan;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What in a query's analysed plan Spark's real-time mode cannot run, found before start (Spark
 * finds it only in the physical plan, when the query starts): state (aggregates, dedupe, joins,
 * sorts, limits, analytic windows, watermarks, stateful processors) and cached tables. The
 * spec-level rules ({@code RealTimeRules}) catch the declared transforms; this catches SQL.
 */
final class RealTimePlans {
  /** Logical operators by class name, and what they mean to a pipeline author. */
  private static final Map<String, String> REFUSED = Map.ofEntries(
      Map.entry("Aggregate", "an aggregation (GROUP BY or an aggregate function)"),
      Map.entry("Deduplicate", "a dedupe (DISTINCT or dropDuplicates)"),
      Map.entry("DeduplicateWithinWatermark", "a dedupe"),
      Map.entry("Distinct", "a DISTINCT"),
      Map.entry("Join", "a join"),
      Map.entry("Sort", "an ORDER BY"),
      Map.entry("GlobalLimit", "a LIMIT"),
      Map.entry("LocalLimit", "a LIMIT"),
      Map.entry("Window", "an analytic window function (OVER)"),
      Map.entry("EventTimeWatermark", "a watermark"),
      Map.entry("FlatMapGroupsWithState", "a stateful processor"),
      Map.entry("TransformWithState", "a stateful processor"),
      Map.entry("Repartition", "a repartition (REPARTITION hint)"),
      Map.entry("RepartitionByExpression", "a repartition (DISTRIBUTE BY or a REPARTITION hint)"),
      Map.entry("Sample", "a TABLESAMPLE"));

  private RealTimePlans() {}

  /**
   * What of {@code plan} real-time mode refuses, in the author's words; empty when it can run.
   * {@code sources} is how many streaming sources the sink's lineage declares: more streaming
   * leaves than that is a source read twice (a SQL union of a source with itself), which Spark
   * refuses at the first batch (IDENTICAL_SOURCES_IN_UNION_NOT_SUPPORTED).
   */
  static Optional<String> refused(LogicalPlan plan, long sources) {
    Deque<LogicalPlan> todo = new ArrayDeque<>();
    todo.push(plan);
    int leaves = 0;
    while (!todo.isEmpty()) {
      LogicalPlan node = todo.pop();
      String what = REFUSED.get(node.getClass().getSimpleName());
      if (what != null) {
        return Optional.of(what);
      }
      if (node.getClass().getSimpleName().startsWith("StreamingRelation")) {
        leaves++;
      }
      CollectionConverters.asJava(node.children()).forEach(todo::push);
    }
    return leaves > sources ? Optional.of("a source read twice (a union of a source with itself)") : Optional.empty();
  }
}
