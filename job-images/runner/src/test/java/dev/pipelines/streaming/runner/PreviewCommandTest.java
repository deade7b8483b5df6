package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code spo preview} against the test Kafka broker: rows printed, nothing written, nothing left behind. */
class PreviewCommandTest {
  @TempDir Path dir;

  @Test
  void printsWhatEachSinkWouldGetAndWritesNothing() throws Exception {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("preview-in", 1);
    kafka.produce("preview-in", List.of(
        Map.entry("u1", "{\"userId\":\"u1\",\"page\":\"/checkout\",\"amount\":12.5}"),
        Map.entry("u2", "{\"userId\":\"u2\",\"page\":\"/home\",\"amount\":0}"),
        Map.entry("u3", "{\"userId\":\"u3\",\"page\":\"/checkout\",\"amount\":99}"),
        Map.entry("u4", "{\"userId\":\"u4\",\"page\":\"/checkout\",\"amount\":5}")));
    Path spec = Files.writeString(dir.resolve("checkout.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: checkout}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%s", topic: preview-in, startingOffsets: earliest}
              schema: [{name: userId, type: string}, {name: page, type: string}, {name: amount, type: double}]
          transforms:
            - {name: paid, from: clicks, filter: "page = '/checkout'"}
            - {name: checkouts, from: paid, select: [userId, amount]}
            - {name: byPage, from: clicks, sql: "SELECT page, count(*) AS clicks FROM clicks GROUP BY page"}
          sinks:
            - {name: toKafka, from: checkouts, kafka: {bootstrapServers: "%s", topic: preview-out, key: "upper(userId)"}}
            - {name: archive, from: checkouts, files: {path: "%s", format: json}}
        """.formatted(kafka.bootstrapServers(), kafka.bootstrapServers(), dir.resolve("archive")));
    List<Path> tempBefore = previewTempDirs();

    Result sinks = spo("preview", spec.toString(), "--earliest", "--rows", "2", "--seconds", "90", "--master", "local[2]");
    assertThat(sinks.exit()).as(sinks.err()).isZero();
    assertThat(sinks.out().lines()).containsExactly(
        "[toKafka] 2 rows within 90s:",
        "  {\"key\":\"U1\",\"value\":\"{\\\"userId\\\":\\\"u1\\\",\\\"amount\\\":12.5}\"}",
        "  {\"key\":\"U3\",\"value\":\"{\\\"userId\\\":\\\"u3\\\",\\\"amount\\\":99.0}\"}",
        "[archive] 2 rows within 90s:",
        "  {\"userId\":\"u1\",\"amount\":12.5}",
        "  {\"userId\":\"u3\",\"amount\":99.0}");

    Result step = spo("preview", spec.toString(), "--earliest", "--at", "clicks", "--rows", "1", "--seconds", "90");
    assertThat(step.out().lines()).containsExactly(
        "[clicks] 1 row within 90s:", "  {\"userId\":\"u1\",\"page\":\"/checkout\",\"amount\":12.5}");

    // an aggregation (state committed per partition), shown in update mode
    Result counts = spo("preview", spec.toString(), "--earliest", "--at", "byPage", "--rows", "2", "--seconds", "90");
    assertThat(counts.exit()).as(counts.err()).isZero();
    assertThat(counts.out().lines().sorted()).containsExactly(
        "  {\"page\":\"/checkout\",\"clicks\":3}", "  {\"page\":\"/home\",\"clicks\":1}", "[byPage] 2 rows within 90s:");

    // Kafka from the latest offsets by default: nothing new arrives
    Result latest = spo("preview", spec.toString(), "--at", "checkouts", "--seconds", "5");
    assertThat(latest.out().lines()).containsExactly(
        "[checkouts] 0 rows within 5s (nothing arrived: try --earliest or a longer --seconds; in append mode a window "
            + "shows only once the watermark passes its end)");

    assertThat(spo("preview", spec.toString(), "--at", "nope").err())
        .contains("--at nope: no source or transform of that name (names: byPage, checkouts, clicks, paid)");

    assertThat(kafka.topics()).doesNotContain("preview-out");
    assertThat(dir.resolve("archive")).doesNotExist();
    assertThat(previewTempDirs()).isEqualTo(tempBefore);
  }

  private static List<Path> previewTempDirs() throws Exception {
    try (Stream<Path> tmp = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return tmp.filter(p -> p.getFileName().toString().startsWith("spo-preview-")).sorted().toList();
    }
  }
}
