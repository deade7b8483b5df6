package dev.pipelines.streaming.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The task slots real-time mode's sizing rule counts, and how it says so. */
class RealTimeSlotsTest {
  private static SparkConf conf(String... settings) {
    SparkConf conf = new SparkConf(false);
    for (int i = 0; i < settings.length; i += 2) {
      conf.set(settings[i], settings[i + 1]);
    }
    return conf;
  }

  @Test
  void localThreadsAndExecutorCoresAreSharedOutBySparkTaskCpus() {
    assertThat(RealTimeSlots.slots(conf("spark.master", "local[4]"))).isEqualTo(4);
    assertThat(RealTimeSlots.describe(conf("spark.master", "local[4]"))).isEqualTo("local[4]");
    SparkConf local = conf("spark.master", "local[4]", "spark.task.cpus", "2");
    assertThat(RealTimeSlots.slots(local)).isEqualTo(2);
    assertThat(RealTimeSlots.describe(local)).isEqualTo("local[4] / 2 cpus per task (spark.task.cpus)");

    SparkConf cluster = conf("spark.master", "k8s://https://kubernetes.default.svc", "spark.executor.instances", "3",
        "spark.executor.cores", "4", "spark.task.cpus", "2");
    assertThat(RealTimeSlots.slots(cluster)).isEqualTo(6);
    assertThat(RealTimeSlots.describe(cluster)).isEqualTo("3 executors × 4 cores / 2 cpus per task (spark.task.cpus)");
  }

  @Test
  void dynamicAllocationCountsItsMaximum() {
    SparkConf dynamic = conf("spark.master", "k8s://https://kubernetes.default.svc", "spark.dynamicAllocation.enabled", "true",
        "spark.dynamicAllocation.maxExecutors", "5", "spark.executor.instances", "1", "spark.executor.cores", "2");
    assertThat(RealTimeSlots.slots(dynamic)).isEqualTo(10);
    assertThat(RealTimeSlots.describe(dynamic)).isEqualTo("5 executors at most × 2 cores");
  }
}
