package dev.pipelines.streaming.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where trigger.realTime may run, with the reason for each refusal at the field. */
class RealTimeRulesTest {
  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: p}
      spec:
        checkpoint: {pvc: {}}
        sources:
          - name: clicks
            kafka: {bootstrapServers: "k:9092", topic: clicks}
            schema: [{name: page, type: string}, {name: ts, type: timestamp}]
          - name: timed
            kafka: {bootstrapServers: "k:9092", topic: clicks}
            schema: [{name: page, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 10s}
          - {name: users, jdbc: {url: "jdbc:postgresql://db/x", table: users}}
        transforms:
          - {name: home, from: clicks, filter: "page = '/'"}
          - name: perMinute
            from: timed
            window: {column: ts, size: 1m, aggregations: [{fn: count, as: n}]}
          - {name: named, from: [home, users], join: {keys: [page]}}
        sinks:
      %s
      """;

  static List<String> problems(String sinks, boolean kubernetes) {
    return problems(sinks, kubernetes, "");
  }

  static List<String> problems(String sinks, boolean kubernetes, String specLines) {
    StreamingPipeline pipeline;
    try {
      pipeline = PipelineLoader.yamlMapper().readValue(PIPELINE.formatted(sinks.indent(4)) + specLines.indent(2),
          StreamingPipeline.class);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    return (kubernetes ? KubernetesRules.validate(pipeline) : PipelineValidator.validate(pipeline)).stream()
        .map(Problem::toString).toList();
  }

  @Test
  void aStatelessKafkaToKafkaSinkRuns() {
    assertThat(problems("- {name: out, from: home, trigger: {realTime: 30s}, kafka: {bootstrapServers: k, topic: o}}", true))
        .isEmpty();
  }

  @Test
  void stateSourcesSinksAndShortIntervalsAreRefusedWithTheirReason() {
    assertThat(problems("""
        - {name: a, from: perMinute, outputMode: update, trigger: {realTime: 1m}, kafka: {bootstrapServers: k, topic: o}}
        - {name: b, from: named, trigger: {realTime: 1m}, console: {}}
        - {name: c, from: home, trigger: {realTime: 1s}, files: {path: /out}}
        - {name: d, from: home, trigger: {realTime: 1m, processingTime: 1s}, console: {}}""", false)).containsExactly(
        "spec.sinks[3].trigger: set one of processingTime, availableNow, realTime",
        "spec.sinks[0].trigger.realTime: real-time mode runs stateless queries only: transform 'perMinute' is window; a "
            + "window keeps state (use a processingTime trigger for this sink)",
        "spec.sinks[0].trigger.realTime: source 'timed' has a watermark: real-time queries are stateless and Spark's "
            + "real-time mode has no watermark operator (remove the watermark, or read from a copy of the source)",
        "spec.sinks[1].trigger.realTime: real-time mode runs stateless queries only: transform 'named' is join; a join "
            + "keeps state (two streams) or scans a cached table (a lookup) (use a processingTime trigger for this sink)",
        "spec.sinks[1].trigger.realTime: real-time mode reads Kafka sources only; 'users' is a static table (Spark caches "
            + "it, which real-time mode cannot scan)",
        "spec.sinks[2].trigger.realTime: must be at least 5s, got 1s (it is how often the query checkpoints (Spark's "
            + "spark.sql.streaming.realTimeMode.minBatchDuration); records flow as they arrive whatever its length)",
        "spec.sinks[2].trigger.realTime: real-time mode writes to kafka or console sinks only, not files (remove realTime, "
            + "or write to a Kafka topic)");
  }

  @Test
  void completeOutputIsRefusedAndAppendOrUpdateRunInUpdateMode() {
    assertThat(problems("""
        - {name: a, from: home, outputMode: complete, trigger: {realTime: 1m}, kafka: {bootstrapServers: k, topic: o}}
        - {name: b, from: home, outputMode: update, trigger: {realTime: 1m}, kafka: {bootstrapServers: k, topic: o}}
        - {name: c, from: home, outputMode: append, trigger: {realTime: 1m}, console: {}}""", false)).containsExactly(
        // a real-time query never has one (windows and aggregations are refused), so complete never runs
        "spec.sinks[0].outputMode: complete mode needs an aggregation upstream (use append, or read from a window transform)");
  }

  @Test
  void onKubernetesAGracefulStopMustOutlastABatchAndExecutorsMustStay() {
    assertThat(problems("- {name: out, from: home, trigger: {realTime: 5m}, console: {}}", true,
        "autoscaling: {maxExecutors: 3}")).containsExactly(
        "spec.sinks[0].trigger.realTime: a graceful stop waits for the running real-time batch to end and commit, up to "
            + "5m and 30s, longer than spec.upgrade.stopTimeout (60s) (set upgrade.stopTimeout to 330s or more, or a "
            + "shorter realTime; otherwise every upgrade replays the batch's records)",
        "spec.autoscaling: real-time mode holds a task slot per Kafka partition for the whole batch (spec.sinks[0] reads "
            + "in real time); executors cannot come and go under it (remove autoscaling and size spec.executor for the "
            + "partitions)");
  }

  @Test
  void kafkaOptionsRealTimeModeRefusesAndASourceReadTwiceAreRefused() {
    var pipeline = dev.pipelines.streaming.api.PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          sources:
            - name: capped
              kafka: {bootstrapServers: "k:9092", topic: clicks, options: {maxOffsetsPerTrigger: "1000", minPartitions: "4"}}
              schema: [{name: page, type: string}]
          transforms:
            - {name: a, from: capped, filter: "page = 'a'"}
            - {name: b, from: capped, filter: "page = 'b'"}
            - {name: both, from: [a, b], sql: "SELECT * FROM a UNION ALL SELECT * FROM b"}
          sinks:
            - {name: out, from: both, trigger: {realTime: 1m}, console: {}}
        """).problems().stream().map(Problem::toString).toList();
    assertThat(pipeline).containsExactly(
        "spec.sinks[0].trigger.realTime: source 'capped' sets maxOffsetsPerTrigger, which Spark's real-time mode refuses "
            + "(records are read as they come, not in bounded batches) (remove it from kafka.options)",
        "spec.sinks[0].trigger.realTime: source 'capped' sets minPartitions, which Spark's real-time mode refuses "
            + "(records are read as they come, not in bounded batches) (remove it from kafka.options)",
        "spec.sinks[0].trigger.realTime: the query reads source 'capped' twice (two inputs lead to it); Spark's real-time "
            + "mode cannot union a source with itself (read it once, or declare a second source on the topic)");
  }
}
