package dev.pipelines.streaming.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Medians and percentiles of measurements, and the RESULT line every benchmark ends with. */
final class Stats {
  private Stats() {}

  static double percentile(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  static double median(List<Double> values) {
    return percentile(values, 50);
  }

  static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  static void result(String name, String figures) {
    System.out.println("RESULT " + name + ": " + figures);
  }
}
