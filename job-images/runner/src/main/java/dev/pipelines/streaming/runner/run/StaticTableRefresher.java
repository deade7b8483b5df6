package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.runner.plan.StaticTable;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads each static table again every {@link StaticTable#refreshInterval()} while the queries
 * run, on one daemon thread, and says so in one line. A failed refresh is logged and retried at
 * the next interval; the micro-batches in between join the last copy (see {@link StaticTable#refresh}).
 */
final class StaticTableRefresher implements AutoCloseable {
  private final ScheduledExecutorService timer;

  private StaticTableRefresher(ScheduledExecutorService timer) {
    this.timer = timer;
  }

  static StaticTableRefresher start(List<StaticTable> tables, PrintStream log) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "spo-static-table-refresh");
      t.setDaemon(true);
      return t;
    });
    for (StaticTable table : tables) {
      long every = table.refreshInterval().toMillis();
      timer.scheduleWithFixedDelay(() -> {
        try {
          long rows = table.refresh();
          log.printf("[%s] static table read again: %d rows%n", table.name(), rows);
        } catch (Exception e) { // also Spark's checked SparkException: an escaped exception would end the schedule silently
          log.printf("[%s] static table not read again (next try in %s): %s%n", table.name(),
              table.refreshInterval().toSeconds() + "s", SparkErrors.oneLine(e));
        }
      }, every, every, TimeUnit.MILLISECONDS);
    }
    return new StaticTableRefresher(timer);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
