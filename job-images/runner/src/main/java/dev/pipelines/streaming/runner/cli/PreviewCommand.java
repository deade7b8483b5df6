package dev.pipelines.streaming.runner.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.plan.LiveSources;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.plan.Sinks;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import dev.pipelines.streaming.runner.run.ThrowAwayDirectories;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.StreamingQuery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spo preview}: runs a pipeline against its real sources for a while, with a throw-away
 * checkpoint and no sink writes, and prints a sample of what each sink (or a named step) would
 * receive, one JSON object per row.
 */
@Command(name = "preview", mixinStandardHelpOptions = true,
    description = {
        "Runs FILE against its real sources until each sink has ROWS rows or SECONDS pass, with a throw-away",
        "checkpoint and without writing to any sink, then prints what each sink would have received (one JSON",
        "object per row; a Kafka sink's key and value). Kafka sources read from the latest offsets unless",
        "--earliest. Nothing is left behind: no checkpoint, no output."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:rows were printed (or none arrived in time)", "1:a query failed or did not start",
        "2:the file is invalid, or the command line is wrong"},
    footerHeading = "%nExamples:%n",
    footer = {"  spo preview examples/clickstream-sliding-window.yaml --rows 5",
        "  spo preview pipeline.yaml --at enriched --earliest --seconds 60"})
public final class PreviewCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin SparkOptions spark;

  @Parameters(paramLabel = "FILE", description = "The pipeline file.")
  Path file;

  @Option(names = "--rows", defaultValue = "10", description = "Rows to show per sink or step (default: ${DEFAULT-VALUE}).")
  int rows;

  @Option(names = "--seconds", defaultValue = "30", description = "Longest time to wait for them (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--at", paramLabel = "NAME",
      description = "Show this source's or transform's rows instead of the sinks'. Repeatable.")
  List<String> at = new ArrayList<>();

  @Option(names = "--earliest", description = "Kafka sources read from the earliest offsets (default: latest).")
  boolean earliest;

  /** The preview's queries, for the Ctrl-C hook too. */
  private final List<StreamingQuery> running = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (rows < 1 || seconds < 1) {
      err.println("--rows and --seconds must be at least 1");
      return ExitCodes.INVALID;
    }
    StreamingPipeline loaded = PipelineFiles.loadOrReport(file, err);
    if (loaded == null) {
      return ExitCodes.INVALID;
    }
    StreamingPipeline pipeline = withKafkaStartingAt(loaded, earliest ? "earliest" : "latest");
    SparkSession session = SparkSessionFactory.create(pipeline, spark.effectiveMaster(), spark.conf);
    Path checkpoints = Files.createTempDirectory("spo-preview-");
    // Ctrl-C ends the JVM without finally blocks: the queries stop and the throw-away checkpoint goes.
    Thread cleanup = new Thread(() -> {
      running.forEach(PipelineRunner::stopNow);
      ThrowAwayDirectories.deleteQuietly(checkpoints);
    }, "spo-preview-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      PlannedPipeline planned;
      try {
        planned = PipelinePlanner.plan(session, pipeline, new LiveSources(session, SecretResolver.fromSystemEnvironment()));
      } catch (PlanningException e) {
        PipelineFiles.report(file, e.problems(), err);
        return ExitCodes.INVALID;
      }
      Map<String, Target> targets = targets(planned, err);
      if (targets == null) {
        return ExitCodes.INVALID;
      }
      return preview(session, targets, checkpoints, out, err);
    } finally {
      session.stop();
      ThrowAwayDirectories.deleteQuietly(checkpoints);
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException exiting) {
        // already shutting down: the hook runs anyway
      }
    }
  }

  /** Rows to show, and the output mode to show them in (a sink's own; null: the first Spark allows). */
  record Target(Dataset<Row> rows, OutputMode mode) {}

  /** What to show: each sink's projected rows, or the named steps' rows; null after saying what is unknown. */
  private Map<String, Target> targets(PlannedPipeline planned, PrintWriter err) {
    Map<String, Target> targets = new LinkedHashMap<>();
    if (at.isEmpty()) {
      planned.sinks().forEach((SinkSpec sink, Dataset<Row> df) -> targets.put(sink.name(), new Target(df, Sinks.outputMode(sink))));
      return targets;
    }
    for (String name : at) {
      Dataset<Row> df = planned.steps().get(name);
      if (df == null) {
        err.printf("--at %s: no source or transform of that name (names: %s)%n", name,
            String.join(", ", planned.steps().keySet().stream().sorted().toList()));
        return null;
      }
      targets.put(name, new Target(df, null));
    }
    return targets;
  }

  private int preview(SparkSession session, Map<String, Target> targets, Path checkpoints, PrintWriter out,
      PrintWriter err) {
    Map<String, List<String>> seen = new LinkedHashMap<>();
    List<StreamingQuery> queries = running;
    try {
      Map<String, List<String>> streamed = new LinkedHashMap<>();
      for (Map.Entry<String, Target> target : targets.entrySet()) {
        List<String> sample = Collections.synchronizedList(new ArrayList<>());
        seen.put(target.getKey(), sample);
        if (!target.getValue().rows().isStreaming()) { // a static table: its rows are there now
          sample.addAll(target.getValue().rows().toJSON().limit(rows).collectAsList());
          continue;
        }
        streamed.put(target.getKey(), sample);
        queries.add(start(target.getKey(), target.getValue(), sample, checkpoints.resolve(Integer.toString(queries.size()))));
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      while (System.nanoTime() < deadline && streamed.values().stream().anyMatch(s -> s.size() < rows)
          && queries.stream().allMatch(StreamingQuery::isActive)) {
        Thread.sleep(200);
      }
      for (StreamingQuery q : queries) {
        if (q.exception().isDefined()) {
          err.printf("[%s] failed: %s%n", q.name(), SparkErrors.queryFailure(q.exception().get().cause()));
          return ExitCodes.QUERY_FAILED;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException e) { // a query did not start
      err.println(file + ": " + e.getMessage());
      return ExitCodes.QUERY_FAILED;
    } finally {
      queries.forEach(PipelineRunner::stopNow);
    }
    seen.forEach((name, sample) -> {
      List<String> shown;
      synchronized (sample) {
        shown = List.copyOf(sample.subList(0, Math.min(rows, sample.size())));
      }
      out.printf("[%s] %d %s within %ds%s%n", name, shown.size(), shown.size() == 1 ? "row" : "rows", seconds,
          shown.isEmpty() ? " (nothing arrived: try --earliest or a longer --seconds; in append mode a window shows "
              + "only once the watermark passes its end)" : ":");
      shown.forEach(row -> out.println("  " + row));
    });
    out.flush();
    return ExitCodes.OK;
  }

  /**
   * A query collecting up to {@code rows} rows of the target on the driver, in the sink's output
   * mode; for a step, append where Spark allows it (rows are final), else update (aggregations
   * without a watermark), else complete.
   */
  private StreamingQuery start(String name, Target target, List<String> sample, Path checkpoint) {
    VoidFunction2<Dataset<Row>, Long> collect = (batch, id) -> {
      // Every partition is read to its end, once: a stateful step commits its state per partition,
      // and Spark refuses a batch that left some unread (STATE_STORE_COMMIT_VALIDATION_FAILED).
      int wanted = rows - sample.size();
      if (wanted <= 0) {
        batch.write().format("noop").mode("overwrite").save();
        return;
      }
      MapPartitionsFunction<String, String> firstRows = partition -> {
        List<String> kept = new ArrayList<>();
        while (partition.hasNext()) {
          String row = partition.next();
          if (kept.size() < wanted) {
            kept.add(row);
          }
        }
        return kept.iterator();
      };
      List<String> got = batch.toJSON().mapPartitions(firstRows, Encoders.STRING()).collectAsList();
      sample.addAll(got.subList(0, Math.min(wanted, got.size())));
    };
    List<OutputMode> modes = target.mode() != null ? List.of(target.mode())
        : List.of(OutputMode.Append(), OutputMode.Update(), OutputMode.Complete());
    Exception first = null;
    for (OutputMode mode : modes) {
      try {
        return target.rows().writeStream().queryName(name).outputMode(mode).foreachBatch(collect)
            .option("checkpointLocation", checkpoint.toString()).start();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    throw new IllegalStateException(name + " cannot be previewed: " + SparkErrors.oneLine(first), first);
  }

  /** The pipeline with every Kafka source's startingOffsets set to {@code offsets}. */
  static StreamingPipeline withKafkaStartingAt(StreamingPipeline pipeline, String offsets) {
    ObjectMapper json = PipelineLoader.jsonMapper();
    ObjectNode tree = json.valueToTree(pipeline);
    for (JsonNode source : tree.path("spec").path("sources")) {
      if (source.path("kafka") instanceof ObjectNode kafka) {
        kafka.put("startingOffsets", offsets);
        if (kafka.path("options") instanceof ObjectNode options) { // Spark prefers these over startingOffsets
          options.remove(List.of("startingTimestamp", "startingOffsetsByTimestamp"));
        }
      }
    }
    try {
      return json.treeToValue(tree, StreamingPipeline.class);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
