package dev.pipelines.streaming.operator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The operator reads the driver's /progress by docs/control-api/progress.json, the contract the
 * runner's ControlServerTest holds the runner to: every field the operator reads is in it.
 */
class DriverProgressContractTest {
  static final Path CONTRACT = Path.of("..", "docs", "control-api", "progress.json");

  @Test
  void everyFieldTheOperatorReadsIsInTheContract() throws IOException {
    JsonNode contract = new ObjectMapper().readTree(CONTRACT.toFile());
    assertThat(components(DriverProgress.class)).isSubsetOf(names(contract));
    assertThat(components(DriverProgress.Query.class)).isSubsetOf(names(contract.get("queries").get(0)));

    DriverProgress read = new ObjectMapper().readValue(CONTRACT.toFile(), DriverProgress.class);
    DriverProgress.Query q = read.queries().get(0);
    assertThat(read.executors()).isEqualTo(3);
    assertThat(List.of(read.targetExecutors(), read.pendingExecutors(), read.decommissioningExecutors()))
        .containsExactly(4, 1, 0);
    assertThat(List.of(q.batchId(), q.numInputRows(), q.busyMillis(), q.offsetsBehindLatest(), q.backlog()))
        .containsExactly(412L, 98050L, 8333L, 1200L, 5400L);
    assertThat(List.of(q.kafkaPartitions(), q.maxStageTasks())).containsExactly(6, 6);
    assertThat(q.rowsDroppedByWatermark()).isEqualTo(3);
    assertThat(q.expectationViolations()).containsEntry("valid.knownPage", 2L);
    assertThat(q.inputRowsPerSecond()).isEqualTo(9805.0);
  }

  private static List<String> components(Class<? extends Record> type) {
    return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
  }

  private static List<String> names(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
