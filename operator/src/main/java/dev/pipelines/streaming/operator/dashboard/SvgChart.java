package dev.pipelines.streaming.operator.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** A small server-side line chart (inline SVG): the dashboard needs no JavaScript or CDN. */
final class SvgChart {
  static final int WIDTH = 760;
  static final int HEIGHT = 200;
  static final int LEFT = 64;
  static final int BOTTOM = 24;

  record Series(String label, String color, Function<ProgressHistory.Point, ? extends Number> value) {}

  private SvgChart() {}

  static String render(String title, List<ProgressHistory.Point> points, Instant now, Duration span, List<Series> series) {
    double max = 0;
    for (Series s : series) {
      for (ProgressHistory.Point p : points) {
        Number v = s.value().apply(p);
        max = v == null ? max : Math.max(max, v.doubleValue());
      }
    }
    double top = max <= 0 ? 1 : niceCeiling(max * 1.1);
    Instant start = now.minus(span);
    StringBuilder svg = new StringBuilder();
    svg.append(String.format(Locale.ROOT,
        "<svg class=\"chart\" role=\"img\" aria-label=\"%s\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">",
        Html.escape(title), WIDTH, HEIGHT, WIDTH, HEIGHT));
    int plotBottom = HEIGHT - BOTTOM;
    svg.append(String.format(Locale.ROOT,
        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/><line x1=\"%d\" y1=\"8\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/>",
        LEFT, plotBottom, WIDTH - 8, plotBottom, LEFT, LEFT, plotBottom));
    svg.append(text(LEFT - 6, 16, "end", format(top)));
    svg.append(text(LEFT - 6, plotBottom, "end", "0"));
    svg.append(text(LEFT, HEIGHT - 6, "start", "-" + span.toMinutes() + " min"));
    svg.append(text(WIDTH - 8, HEIGHT - 6, "end", "now"));
    for (Series s : series) {
      StringBuilder line = new StringBuilder();
      for (ProgressHistory.Point p : points) {
        Number v = s.value().apply(p);
        if (v == null || p.at().isBefore(start)) {
          continue;
        }
        double x = LEFT + (WIDTH - 8 - LEFT) * Duration.between(start, p.at()).toMillis() / (double) span.toMillis();
        double y = plotBottom - (plotBottom - 8) * v.doubleValue() / top;
        line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
      }
      svg.append("<polyline fill=\"none\" stroke-width=\"2.5\" stroke=\"").append(s.color())
          .append("\" points=\"").append(line.toString().trim()).append("\"/>");
    }
    return svg.append("</svg>").toString();
  }

  private static String text(int x, int y, String anchor, String value) {
    return String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" font-size=\"11\" fill=\"#4b5563\">%s</text>",
        x, y, anchor, Html.escape(value));
  }

  static String format(double v) {
    return v >= 10_000 ? String.format(Locale.ROOT, "%,.0f", v)
        : v >= 10 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static double niceCeiling(double v) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= v) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }
}
