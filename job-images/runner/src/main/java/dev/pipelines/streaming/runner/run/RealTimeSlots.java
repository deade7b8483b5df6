package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.api.model.KafkaSourceSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.api.validation.RealTimeRules;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.spark.SparkConf;

/**
 * The sizing rule of Spark's real-time mode: every task of a real-time query runs for the whole
 * batch, all at once, so the cluster needs a task slot for each of them, for every real-time
 * query together. A stateless Kafka query has one task per topic partition; slots are executors
 * × cores / {@code spark.task.cpus} (locally the N of {@code local[N]}). Too few slots would leave tasks waiting for the whole batch, and the
 * records behind them with them; so the runner refuses to start.
 */
final class RealTimeSlots {
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?\\])?");

  private RealTimeSlots() {}

  /** The problem when the real-time sinks need more slots than Spark has; none when they fit or none reads in real time. */
  static List<Problem> check(SparkConf conf, PipelineSpec spec, SecretResolver secrets, PrintStream log) {
    int needed = 0;
    List<String> parts = new ArrayList<>();
    String firstPath = null;
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      SinkSpec sink = spec.sinksOrEmpty().get(i);
      if (RealTimeRules.interval(sink).isEmpty()) {
        continue;
      }
      firstPath = firstPath == null ? "spec.sinks[" + i + "].trigger.realTime" : firstPath;
      for (String name : spec.lineage(sink.from())) {
        for (int s = 0; s < spec.sourcesOrEmpty().size(); s++) {
          SourceSpec source = spec.sourcesOrEmpty().get(s);
          if (source.kafka() != null && source.name().equals(name)) {
            Integer tasks = tasks(source.kafka(), secrets, "spec.sources[" + s + "].kafka.credentials", log);
            if (tasks == null) {
              return List.of(); // the broker cannot say: the query will report it
            }
            needed += tasks;
            parts.add(sink.name() + " reads " + source.name() + ": " + tasks);
          }
        }
      }
    }
    boolean microBatchSinks = spec.sinksOrEmpty().stream().anyMatch(s -> RealTimeRules.interval(s).isEmpty());
    if (microBatchSinks) {
      needed++;
      parts.add("the micro-batch sinks: 1");
    }
    int slots = slots(conf);
    if (firstPath == null || needed <= slots) {
      return List.of();
    }
    return List.of(Problem.at(firstPath, "real-time mode runs every task of its queries at once, for the whole batch: "
            + "they need " + needed + " task slots (Kafka partitions: " + String.join(", ", parts) + "), Spark has "
            + slots + " (" + describe(conf) + ")",
        "give spec.executor instances × cores" + (taskCpus(conf) == 1 ? "" : " / spark.task.cpus") + " at least " + needed
            + " (locally: --master local[" + (long) needed * taskCpus(conf) + "])"));
  }

  /**
   * Task slots the application will have: the N of local[N], or executors × cores (executors:
   * spark.executor.instances, or spark.dynamicAllocation.maxExecutors with dynamic allocation),
   * each divided by spark.task.cpus (Spark's scheduler gives each task that many cores).
   */
  static int slots(SparkConf conf) {
    Integer local = localThreads(conf);
    long cores = local != null ? local : (long) executors(conf) * conf.getInt("spark.executor.cores", 1);
    return (int) Math.min(Integer.MAX_VALUE, cores / taskCpus(conf));
  }

  /** How {@link #slots} counted, e.g. "local[2]" or "3 executors × 4 cores / 2 cpus per task". */
  static String describe(SparkConf conf) {
    String cores = localThreads(conf) != null ? conf.get("spark.master", "local[*]")
        : executors(conf) + (conf.getBoolean("spark.dynamicAllocation.enabled", false) ? " executors at most" : " executors")
            + " × " + conf.getInt("spark.executor.cores", 1) + " cores";
    return taskCpus(conf) == 1 ? cores : cores + " / " + taskCpus(conf) + " cpus per task (spark.task.cpus)";
  }

  /** The threads of a local master (local[*]: this machine's processors); null for a cluster. */
  private static Integer localThreads(SparkConf conf) {
    Matcher local = LOCAL.matcher(conf.get("spark.master", "local[*]"));
    if (!local.matches()) {
      return null;
    }
    String n = local.group(1);
    return n == null ? 1 : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
  }

  private static int executors(SparkConf conf) {
    return conf.getBoolean("spark.dynamicAllocation.enabled", false)
        ? conf.getInt("spark.dynamicAllocation.maxExecutors", Integer.MAX_VALUE)
        : conf.getInt("spark.executor.instances", 2);
  }

  private static int taskCpus(SparkConf conf) {
    return Math.max(1, conf.getInt("spark.task.cpus", 1));
  }

  /** The source's tasks: its topics' partitions; null when the broker does not answer. */
  private static Integer tasks(KafkaSourceSpec k, SecretResolver secrets, String credentialsPath, PrintStream log) {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    // the source's own client settings (TLS, ...), then its SASL login, as Spark's consumer gets them
    k.optionsOrEmpty().forEach((key, value) -> {
      if (key.startsWith("kafka.")) {
        props.put(key.substring("kafka.".length()), value);
      }
    });
    secrets.kafkaSaslOptions(k.credentials(), credentialsPath)
        .forEach((key, value) -> props.put(key.substring("kafka.".length()), value));
    try (Admin admin = Admin.create(props)) {
      List<String> topics = k.topic() != null ? List.of(k.topic().split("\\s*,\\s*"))
          : admin.listTopics().names().get(15, TimeUnit.SECONDS).stream().filter(t -> t.matches(k.pattern())).toList();
      int partitions = 0;
      for (var d : admin.describeTopics(topics).allTopicNames().get(15, TimeUnit.SECONDS).values()) {
        partitions += d.partitions().size();
      }
      return partitions;
    } catch (Exception e) {
      log.printf("real-time mode: cannot count the partitions of %s (%s); not checking task slots%n",
          k.topic() != null ? k.topic() : k.pattern(), e.getClass().getSimpleName());
      return null;
    }
  }
}
