package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import dev.pipelines.streaming.api.model.JoinSpec;
import dev.pipelines.streaming.api.model.TransformSpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The join transform. Output columns: the keys once, the left input's other columns, then
 * the right input's; a right column whose name the left already uses is prefixed with the
 * right input's name ({@code orders_ts}).
 */
final class Joins {
  private Joins() {}

  static Dataset<Row> join(TransformSpec t, Dataset<Row> left, Dataset<Row> right) {
    JoinSpec j = t.join();
    String rightName = t.fromOrEmpty().get(1);
    Dataset<Row> l = left.as("l");
    Dataset<Row> r = right.as("r");
    Column condition = null;
    for (String key : j.keysOrEmpty()) {
      Column equal = side("l", key).equalTo(side("r", key));
      condition = condition == null ? equal : condition.and(equal);
    }
    if (j.within() != null) {
      long ms = Durations.require(j.within()).toMillis();
      condition = condition.and(expr("r.`%1$s` BETWEEN l.`%2$s` - INTERVAL %3$d MILLISECONDS AND l.`%2$s` + INTERVAL %3$d MILLISECONDS"
          .formatted(j.rightTime(), j.leftTime(), ms)));
    }
    Dataset<Row> joined = l.join(r, condition, j.typeOrDefault().sparkName());

    Set<String> keys = lower(j.keysOrEmpty());
    List<Column> output = new ArrayList<>();
    for (String key : j.keysOrEmpty()) {
      output.add(coalesce(side("l", key), side("r", key)).as(key));
    }
    Set<String> taken = new HashSet<>(keys);
    for (String c : left.columns()) {
      if (!keys.contains(c.toLowerCase(Locale.ROOT))) {
        output.add(side("l", c).as(c));
        taken.add(c.toLowerCase(Locale.ROOT));
      }
    }
    for (String c : right.columns()) {
      if (!keys.contains(c.toLowerCase(Locale.ROOT))) {
        String name = taken.contains(c.toLowerCase(Locale.ROOT)) ? rightName + "_" + c : c;
        output.add(side("r", c).as(name));
      }
    }
    return joined.select(output.toArray(Column[]::new));
  }

  private static Column side(String alias, String column) {
    return col(alias + ".`" + column + "`");
  }

  private static Set<String> lower(List<String> names) {
    return new HashSet<>(Arrays.asList(names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toArray(String[]::new)));
  }
}
