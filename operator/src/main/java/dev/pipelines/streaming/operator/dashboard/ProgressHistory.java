package dev.pipelines.streaming.operator.dashboard;

import dev.pipelines.streaming.api.status.ProgressStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last hour of each pipeline's progress as the operator read it (one point per read,
 * every 30 s), for the dashboard's charts. In memory: an operator restart starts it over.
 */
public final class ProgressHistory {
  public static final Duration KEPT = Duration.ofHours(1);

  /** One reading; null values were not reported. */
  public record Point(Instant at, Double inputRowsPerSecond, Double processedRowsPerSecond, Long lag) {}

  private final Map<String, Deque<Point>> byPipeline = new ConcurrentHashMap<>();

  public void record(String namespace, String name, ProgressStatus progress, Instant now) {
    Deque<Point> points = byPipeline.computeIfAbsent(namespace + "/" + name, k -> new ArrayDeque<>());
    synchronized (points) {
      points.addLast(new Point(now, progress.inputRowsPerSecond(), progress.processedRowsPerSecond(), progress.lag()));
      while (!points.isEmpty() && points.peekFirst().at().isBefore(now.minus(KEPT))) {
        points.removeFirst();
      }
    }
  }

  /** Forgets a deleted pipeline's points. */
  public void forget(String namespace, String name) {
    byPipeline.remove(namespace + "/" + name);
  }

  public List<Point> points(String namespace, String name) {
    Deque<Point> points = byPipeline.get(namespace + "/" + name);
    if (points == null) {
      return List.of();
    }
    synchronized (points) {
      return List.copyOf(points);
    }
  }
}
