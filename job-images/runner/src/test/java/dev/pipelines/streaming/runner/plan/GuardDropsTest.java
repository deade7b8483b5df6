package dev.pipelines.streaming.runner.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.plan.GuardDrops.Key;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the driver adds up the tasks' counts of the watermark guards' drops. */
class GuardDropsTest {
  private final GuardDrops driver = new GuardDrops();

  /** A finished task's accumulator, as the driver receives it: {@code n} drops of {@code step}. */
  private void task(String run, long batch, String step, int stage, int partition, int n) {
    GuardDrops task = driver.copyAndReset();
    for (int i = 0; i < n; i++) {
      task.add(new Key(run, batch, step, stage, partition));
    }
    driver.merge(task);
  }

  @Test
  void partitionsAddUpAndARetriedTaskReplacesItsEarlierAttempt() {
    task("r1", 7, "clicks.watermark", 3, 0, 2);
    task("r1", 7, "clicks.watermark", 3, 1, 1);
    task("r1", 7, "clicks.watermark", 3, 1, 1); // attempt 2 of partition 1
    task("r1", 7, "orders.watermark", 3, 0, 4);
    assertThat(driver.of("r1", 7)).isEqualTo(Map.of("clicks.watermark", 3L, "orders.watermark", 4L));
    assertThat(driver.of("r1", 8)).isEmpty();
    assertThat(driver.of("r2", 7)).isEmpty();
  }

  @Test
  void anInputReadInTwoStagesCountsOnce() {
    // e.g. a writer that samples the batch (one job) and then writes it (another)
    task("r1", 1, "clicks.watermark", 5, 0, 2);
    task("r1", 1, "clicks.watermark", 5, 1, 1);
    task("r1", 1, "clicks.watermark", 6, 0, 3);
    assertThat(driver.of("r1", 1)).containsExactly(Map.entry("clicks.watermark", 3L));
  }

  @Test
  void tasksWithoutDropsCostNothingAndOldBatchesAreForgotten() {
    driver.merge(driver.copyAndReset());
    assertThat(driver.isZero()).isTrue();
    task("r1", 1, "clicks.watermark", 1, 0, 1);
    task("r2", 1, "clicks.watermark", 1, 0, 1);
    task("r1", 1 + GuardDrops.BATCHES_KEPT, "clicks.watermark", 9, 0, 1);
    assertThat(driver.of("r1", 1)).isEmpty();
    assertThat(driver.of("r2", 1)).containsExactly(Map.entry("clicks.watermark", 1L)); // another run: kept
    assertThat(driver.of("r1", 1 + GuardDrops.BATCHES_KEPT)).containsExactly(Map.entry("clicks.watermark", 1L));
  }
}
