package dev.pipelines.streaming.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The rows a Spark file sink committed, read the way a Spark reader does: only the files its
 * {@code _spark_metadata} log adds (a batch cut short by a killed driver leaves files the log
 * never names). The files are JSON lines; the pods wrote them under {@code podPrefix} and the
 * host sees them under {@code hostDir}.
 */
final class FileSinkLog {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FileSinkLog() {}

  /** Every committed row of the sink at {@code hostDir}. */
  static List<JsonNode> committedRows(Path hostDir, String podPrefix) {
    Path log = hostDir.resolve("_spark_metadata");
    if (!Files.isDirectory(log)) {
      return List.of();
    }
    Set<String> files = new HashSet<>();
    try (Stream<Path> entries = Files.list(log)) {
      for (Path entry : entries.filter(p -> p.getFileName().toString().matches("\\d+(\\.compact)?")).sorted().toList()) {
        for (String line : Files.readAllLines(entry)) {
          if (!line.startsWith("{")) {
            continue; // the "v1" version line
          }
          JsonNode f = JSON.readTree(line);
          String path = f.get("path").asText().replaceFirst("^file:(//)?", "");
          if ("delete".equals(f.path("action").asText())) {
            files.remove(path);
          } else {
            files.add(path);
          }
        }
      }
      List<JsonNode> rows = new ArrayList<>();
      for (String file : files) {
        Path onHost = hostDir.resolve(Path.of(podPrefix).relativize(Path.of(file)).toString());
        for (String line : Files.readAllLines(onHost)) {
          if (!line.isBlank()) {
            rows.add(JSON.readTree(line));
          }
        }
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
