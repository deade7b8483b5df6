package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.fence.FencedCheckpointFileManager;
import dev.pipelines.streaming.runner.plan.GuardDrops;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.plan.Sinks;
import dev.pipelines.streaming.runner.plan.WatermarkGuard;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;

/** Starts one streaming query per sink and supervises them until they end. */
public final class PipelineRunner {
  private final SparkSession spark;
  private final CheckpointLayout checkpoints;
  private final SecretResolver secrets;
  private final PrintStream log;
  private final GuardDrops guardDrops;
  private final QualityTotals quality;
  private boolean listening;
  private volatile String failure;
  private StaticTableRefresher refresher;

  public PipelineRunner(SparkSession spark, CheckpointLayout checkpoints, SecretResolver secrets, PrintStream log) {
    this.spark = spark;
    this.checkpoints = checkpoints;
    this.secrets = secrets;
    this.log = log;
    this.guardDrops = GuardDrops.of(spark);
    this.quality = new QualityTotals(guardDrops);
  }

  /** Rows dropped by the watermark and expectation violations of the queries this runner started. */
  public QualityTotals quality() {
    return quality;
  }

  /** Starts every sink's query; on a start failure the ones already started are stopped. */
  public List<StreamingQuery> start(PlannedPipeline planned) {
    // awaitAnyTermination() would otherwise rethrow a failure of an earlier pipeline run in
    // this session (tests, or a future in-process restart).
    spark.streams().resetTerminated();
    // Every sink's writer first, its secrets resolved and checked: a bad one stops the start before
    // any query has started (and could commit a batch only to be stopped).
    List<SinkSpec> sinks = List.copyOf(planned.sinks().keySet());
    List<DataStreamWriter<Row>> writers = new ArrayList<>();
    for (SinkSpec sink : sinks) {
      writers.add(Sinks.writer(planned.pipeline().name(), planned.pipeline().spec(), sink, planned.sinks().get(sink), secrets,
          specPath(planned, sink)));
    }
    List<dev.pipelines.streaming.api.validation.Problem> sizing = RealTimeSlots.check(spark.sparkContext().getConf(),
        planned.pipeline().spec(), secrets, log);
    if (!sizing.isEmpty()) {
      throw new PlanningException(sizing);
    }
    quality.countOnlyOwnRules(planned.sinks().keySet().stream()
        .filter(s -> dev.pipelines.streaming.api.model.PipelineSpec.DEAD_LETTERS.equals(s.from())).map(SinkSpec::name).toList());
    planned.sinks().keySet().stream().filter(s -> !dev.pipelines.streaming.api.model.PipelineSpec.DEAD_LETTERS.equals(s.from()))
        .forEach(s -> quality.watchGuards(s.name(), WatermarkGuard.stepsUpstreamOf(planned.pipeline().spec(), s.from())));
    if (!listening) { // once per runner: a second start must not log or count every batch twice
      spark.streams().addListener(new ProgressLogger(log, guardDrops));
      spark.streams().addListener(quality);
      listening = true;
    }
    if (refresher != null) {
      refresher.close();
    }
    refresher = StaticTableRefresher.start(planned.staticTables(), log);
    for (SinkSpec sink : planned.pipeline().spec().sinksOrEmpty()) {
      if (!planned.sinks().containsKey(sink)) {
        log.printf("[%s] receives only the failed deliveries of HTTP sinks %s (written by them): no query of its own%n",
            sink.name(), planned.pipeline().spec().deadLetteringHttpSinks());
      }
    }
    // Every checkpoint file through the runner's manager (also when spo run did not set it: tests,
    // spo test): graceful stops plan no new batch, commits are fenced under a Lease, and object
    // stores are written in place.
    spark.conf().set(FencedCheckpointFileManager.CONF, FencedCheckpointFileManager.class.getName());
    List<StreamingQuery> started = new ArrayList<>();
    for (int i = 0; i < sinks.size(); i++) {
      SinkSpec sink = sinks.get(i);
      String checkpoint = checkpoints.forSink(planned.pipeline().name(), sink.name());
      ResumeNotes.forSink(planned.pipeline().spec(), sink, checkpoint, spark.sparkContext().hadoopConfiguration())
          .forEach(log::println);
      try {
        started.add(writers.get(i).option("checkpointLocation", checkpoint).start());
        log.printf("[%s] writing %s, checkpoint %s%n", sink.name(), describe(sink), checkpoint);
      } catch (TimeoutException | RuntimeException e) {
        started.forEach(PipelineRunner::stopNow);
        refresher.close();
        throw new IllegalStateException(specPath(planned, sink) + " (" + sink.name() + ") did not start: "
            + SparkErrors.oneLine(e), e);
      }
    }
    return started;
  }

  /**
   * Waits until every query has ended. Returns 0 when they ended normally (availableNow
   * finished, or a graceful stop), {@link ExitCodes#QUERY_FAILED} as soon as one fails, after
   * stopping the others; {@link ExitCodes#INVALID} or {@link ExitCodes#INCOMPATIBLE_CHECKPOINT}
   * instead when it failed before its first batch with an error Spark raises on every run
   * ({@link SparkErrors#beforeFirstBatch}).
   */
  public int awaitTermination(List<StreamingQuery> queries) {
    try {
      return awaitEnd(queries);
    } finally {
      if (refresher != null) {
        refresher.close(); // the queries have ended: nothing reads the static tables any more
      }
    }
  }

  private int awaitEnd(List<StreamingQuery> queries) {
    while (true) {
      try {
        spark.streams().awaitAnyTermination();
      } catch (StreamingQueryException e) {
        StreamingQuery failed = queries.stream().filter(q -> q.exception().isDefined()).findFirst().orElse(null);
        // A query that completed a batch in this run did run: whatever failed later may not fail again.
        SparkErrors.Verdict verdict = failed != null && failed.lastProgress() == null
            ? SparkErrors.beforeFirstBatch(e.cause()) : SparkErrors.Verdict.RETRY;
        String summary = SparkErrors.queryFailure(e.cause());
        // a summary with a way out of its own (more than one line) says enough
        boolean hinted = verdict.hint() != null && !summary.contains(System.lineSeparator());
        failure = "[" + (failed == null ? "query" : failed.name()) + "] failed: " + summary
            + (hinted ? System.lineSeparator() + verdict.hint() : "");
        log.println(failure);
        SparkErrorLog.note(log);
        queries.forEach(PipelineRunner::stopNow);
        return verdict.exit();
      }
      if (queries.stream().noneMatch(StreamingQuery::isActive)) {
        return ExitCodes.OK;
      }
      spark.streams().resetTerminated();
    }
  }

  /** The {@code [sink] failed: ...} lines of the query that made {@link #awaitTermination} return 1, if one did. */
  public java.util.Optional<String> failure() {
    return java.util.Optional.ofNullable(failure);
  }

  /** {@code spec.sinks[i]} with the sink's index in the spec (not every sink is a query of its own). */
  private static String specPath(PlannedPipeline planned, SinkSpec sink) {
    return "spec.sinks[" + planned.pipeline().spec().sinksOrEmpty().indexOf(sink) + "]";
  }

  private static String describe(SinkSpec sink) {
    return switch (sink.kind()) {
      case CONSOLE -> "to the console (" + sink.outputModeOrDefault().value() + ")";
      case FILES -> sink.files().formatOrDefault().sparkName() + " files to " + sink.files().path();
      case KAFKA -> "to Kafka topic " + sink.kafka().topic();
      case JDBC -> "to table " + sink.jdbc().table() + " (" + sink.jdbc().modeOrDefault().name().toLowerCase(java.util.Locale.ROOT) + ")";
      case MONGODB -> "to MongoDB collection " + sink.mongodb().database() + "." + sink.mongodb().collection() + " ("
          + sink.mongodb().modeOrDefault().name().toLowerCase(java.util.Locale.ROOT) + ")";
      case HTTP -> "to " + (sink.http().url() != null ? sink.http().url() : "the URL from " + sink.http().urlFrom().envName())
          + " (" + sink.http().formatOrDefault().name().toLowerCase(java.util.Locale.ROOT) + ", at least once)";
    };
  }

  /** Stops a query at once (its running batch is interrupted, not committed); never throws. */
  public static void stopNow(StreamingQuery q) {
    try {
      q.stop();
    } catch (Exception ignored) {
      // already stopping or failed; nothing more to do
    }
  }
}
