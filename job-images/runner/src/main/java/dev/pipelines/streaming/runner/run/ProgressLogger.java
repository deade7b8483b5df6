package dev.pipelines.streaming.runner.run;

import java.io.PrintStream;
import dev.pipelines.streaming.api.model.WatermarkSpec;
import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.plan.GuardDrops;
import dev.pipelines.streaming.runner.plan.Expectations;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/** One line per micro-batch that read data, so a user sees the pipeline is alive. */
final class ProgressLogger extends StreamingQueryListener {
  private final PrintStream out;
  private final GuardDrops guardDrops;

  ProgressLogger(PrintStream out, GuardDrops guardDrops) {
    this.out = out;
    this.guardDrops = guardDrops;
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {
    out.printf("[%s] started (id %s)%n", event.name(), event.id());
  }

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    StreamingQueryProgress p = event.progress();
    if (p.numInputRows() == 0) {
      return;
    }
    Long duration = p.durationMs().get("triggerExecution");
    long late = QualityTotals.droppedByWatermark(p);
    out.printf(Locale.ROOT, "[%s] batch %d: %d rows in %d ms (%.1f rows/s in, %.1f rows/s processed)%s%n",
        p.name(), p.batchId(), p.numInputRows(), duration == null ? 0 : duration,
        p.inputRowsPerSecond(), p.processedRowsPerSecond(),
        late == 0 ? "" : "; " + late + " rows later than the watermark dropped");
    List<String> lines = expectationLines(p);
    guardDrops.of(p).forEach((step, dropped) -> lines.add(expectationLine(step, List.of(WatermarkSpec.NOT_AHEAD_RULE + " "
        + dropped + " violated (event time more than watermark.maxAhead ahead of the clock; dropped)"))));
    lines.forEach(line -> out.printf("[%s] batch %d: %s%n", p.name(), p.batchId(), line));
  }

  /** "expectations of 'valid': positiveAmount 3/120 violated, knownPage 0/120 violated". */
  static List<String> expectationLines(StreamingQueryProgress p) {
    List<String> lines = new ArrayList<>();
    p.observedMetrics().forEach((name, row) -> {
      if (!name.startsWith(Expectations.METRICS_PREFIX)) {
        return;
      }
      long rows = row.<Long>getAs(Expectations.ROWS);
      List<String> rules = new ArrayList<>();
      for (String field : row.schema().fieldNames()) {
        if (!field.equals(Expectations.ROWS)) {
          Object violations = row.getAs(field);
          rules.add(field + " " + (violations == null ? 0 : violations) + "/" + rows + " violated");
        }
      }
      lines.add(expectationLine(name.substring(Expectations.METRICS_PREFIX.length()), rules));
    });
    return lines;
  }

  /** "expectations of '{@code step}': " and the rules' figures. */
  private static String expectationLine(String step, List<String> rules) {
    return "expectations of '" + step + "': " + String.join(", ", rules);
  }

  /** Nothing: {@link PipelineRunner#awaitTermination} says why a query failed, by sink name. */
  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}
}
