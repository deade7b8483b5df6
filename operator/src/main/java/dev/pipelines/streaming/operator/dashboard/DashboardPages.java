package dev.pipelines.streaming.operator.dashboard;

import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.Phase;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.operator.HttpResponses;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import com.sun.net.httpserver.HttpServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The read-only web dashboard: a page listing every pipeline (phase, rates, lag, executors,
 * restarts) and a page per pipeline with its rate and lag over the last hour. Plain HTML and
 * inline SVG, refreshed by the browser every 30 s.
 */
public final class DashboardPages {
  private final Fleet fleet;
  private final ProgressHistory history;
  private final Clock clock;
  private final DashboardAccess access;

  public DashboardPages(Fleet fleet, ProgressHistory history, Clock clock, DashboardAccess access) {
    this.fleet = fleet;
    this.history = history;
    this.clock = clock;
    this.access = access;
  }

  /** Serves {@code /} (all pipelines) and {@code /pipelines/<namespace>/<name>}. */
  public void serveOn(HttpServer server) {
    server.createContext("/", exchange -> {
      String refusal = access.refusal(exchange);
      if (refusal != null) {
        HttpResponses.send(exchange, 403, "text/plain; charset=utf-8", refusal);
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String[] parts = path.split("/");
      Optional<String> html = path.equals("/") ? Optional.of(list())
          : parts.length == 4 && parts[1].equals("pipelines") ? pipeline(parts[2], parts[3]) : Optional.empty();
      HttpResponses.send(exchange, html.isPresent() ? 200 : 404, "text/html; charset=utf-8",
          html.orElse(page("Not found", "<p>No such page. <a href=\"/\">All pipelines</a></p>")));
    });
  }

  public String list() {
    List<StreamingPipelineResource> pipelines = fleet.pipelines();
    StringBuilder rows = new StringBuilder();
    for (StreamingPipelineResource p : pipelines) {
      PipelineStatus s = p.getStatus();
      ProgressStatus progress = s == null ? null : s.progress();
      String ns = p.getMetadata().getNamespace();
      String name = p.getMetadata().getName();
      rows.append("<tr><td>").append(Html.escape(ns)).append("</td><td><a href=\"/pipelines/")
          .append(Html.escape(ns)).append('/').append(Html.escape(name)).append("\">").append(Html.escape(name))
          .append("</a></td><td>").append(phaseBadge(s)).append("</td>")
          .append(number(progress == null ? null : progress.inputRowsPerSecond()))
          .append(number(progress == null ? null : progress.processedRowsPerSecond()))
          .append(number(progress == null ? null : progress.lag()))
          .append(number(progress == null ? null : progress.executors()))
          .append(number(s == null || s.restarts() == null ? null : s.restarts().countOrZero()))
          .append("<td>").append(age(p.getMetadata().getCreationTimestamp())).append("</td></tr>");
    }
    String body = pipelines.isEmpty()
        ? "<p class=\"empty\">No pipelines yet. Try <code>kubectl apply -f examples/clickstream-sliding-window.yaml</code>.</p>"
        : "<table><thead><tr><th>Namespace</th><th>Name</th><th>Phase</th><th>Input rows/s</th><th>Processed rows/s</th>"
            + "<th>Lag</th><th>Executors</th><th>Restarts</th><th>Age</th></tr></thead><tbody>" + rows + "</tbody></table>";
    return page("Streaming pipelines", "<h1>Streaming pipelines</h1><p class=\"sub\">" + pipelines.size()
        + " pipeline" + (pipelines.size() == 1 ? "" : "s") + "</p>" + body);
  }

  /** The pipeline's page, or empty when the operator does not know it. */
  public Optional<String> pipeline(String namespace, String name) {
    Optional<StreamingPipelineResource> found = fleet.pipelines().stream()
        .filter(p -> p.getMetadata().getNamespace().equals(namespace) && p.getMetadata().getName().equals(name))
        .findFirst();
    if (found.isEmpty()) {
      return Optional.empty();
    }
    PipelineStatus s = found.get().getStatus();
    ProgressStatus progress = s == null ? null : s.progress();
    StringBuilder html = new StringBuilder("<p><a href=\"/\">&larr; all pipelines</a></p>");
    html.append("<h1>").append(Html.escape(namespace)).append(" / ").append(Html.escape(name)).append(' ')
        .append(phaseBadge(s)).append("</h1>");
    html.append("<p class=\"sub\">").append(Html.escape(s == null ? "not reconciled yet" : s.message())).append("</p>");
    html.append("<div class=\"figures\">")
        .append(figure("Input rows/s", progress == null ? null : progress.inputRowsPerSecond()))
        .append(figure("Processed rows/s", progress == null ? null : progress.processedRowsPerSecond()))
        .append(figure("Lag", progress == null ? null : progress.lag()))
        .append(figure("Executors", progress == null ? null : progress.executors()))
        .append(figure("Restarts", s == null || s.restarts() == null ? null : s.restarts().countOrZero()))
        .append("</div>");
    List<ProgressHistory.Point> points = history.points(namespace, name);
    Instant now = clock.instant();
    if (points.isEmpty()) {
      html.append("<p class=\"empty\">No progress read from the driver yet.</p>");
    } else {
      html.append("<h2>Rows per second, last hour <span class=\"key in\">input</span> <span class=\"key out\">processed</span></h2>")
          .append(SvgChart.render("rows per second", points, now, ProgressHistory.KEPT, List.of(
              new SvgChart.Series("input", "#2563eb", ProgressHistory.Point::inputRowsPerSecond),
              new SvgChart.Series("processed", "#16a34a", ProgressHistory.Point::processedRowsPerSecond))));
      html.append("<h2>Kafka lag (offsets behind latest), last hour</h2>")
          .append(SvgChart.render("lag", points, now, ProgressHistory.KEPT, List.of(
              new SvgChart.Series("lag", "#dc2626", ProgressHistory.Point::lag))));
    }
    if (s != null && !s.conditionsOrEmpty().isEmpty()) {
      html.append("<h2>Conditions</h2><table><thead><tr><th>Type</th><th>Status</th><th>Reason</th><th>Message</th>"
          + "<th>Since</th></tr></thead><tbody>");
      for (Condition c : s.conditionsOrEmpty()) {
        html.append("<tr><td>").append(Html.escape(c.type())).append("</td><td>").append(Html.escape(c.status()))
            .append("</td><td>").append(Html.escape(c.reason())).append("</td><td>").append(Html.escape(c.message()))
            .append("</td><td>").append(Html.escape(c.lastTransitionTime())).append("</td></tr>");
      }
      html.append("</tbody></table>");
    }
    return Optional.of(page(namespace + "/" + name, html.toString()));
  }

  private static String phaseBadge(PipelineStatus s) {
    String phase = Phase.of(s == null ? null : s.phase()).value();
    return "<span class=\"phase " + phase.toLowerCase() + "\">" + Html.escape(phase) + "</span>";
  }

  private static String number(Number n) {
    return "<td class=\"num\">" + (n == null ? "&ndash;" : SvgChart.format(n.doubleValue())) + "</td>";
  }

  private static String figure(String label, Number n) {
    return "<div class=\"figure\"><div class=\"value\">" + (n == null ? "&ndash;" : SvgChart.format(n.doubleValue()))
        + "</div><div class=\"label\">" + label + "</div></div>";
  }

  private String age(String created) {
    if (created == null) {
      return "";
    }
    Duration d = Duration.between(Instant.parse(created), clock.instant());
    return d.toDays() > 0 ? d.toDays() + "d" : d.toHours() > 0 ? d.toHours() + "h" : d.toMinutes() > 0 ? d.toMinutes() + "m"
        : Math.max(0, d.toSeconds()) + "s";
  }

  private static String page(String title, String body) {
    return """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>%s</title>
        <style>
          body { font: 14px/1.45 system-ui, sans-serif; margin: 24px 32px; color: #111827; background: #f9fafb; }
          h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 24px 0 8px; }
          .sub { color: #4b5563; margin: 0 0 16px; } .empty { color: #6b7280; }
          table { border-collapse: collapse; background: white; box-shadow: 0 1px 2px #0001; }
          th, td { padding: 6px 12px; border-bottom: 1px solid #e5e7eb; text-align: left; }
          th { background: #f3f4f6; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
          a { color: #1d4ed8; text-decoration: none; }
          .phase { padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e5e7eb; }
          .phase.running, .phase.completed { background: #dcfce7; color: #166534; }
          .phase.starting, .phase.upgrading, .phase.pending { background: #dbeafe; color: #1e40af; }
          .phase.restarting, .phase.failed { background: #fee2e2; color: #991b1b; }
          .phase.suspended { background: #fef3c7; color: #92400e; }
          .figures { display: flex; gap: 12px; margin: 8px 0; }
          .figure { background: white; padding: 10px 16px; box-shadow: 0 1px 2px #0001; min-width: 110px; }
          .figure .value { font-size: 22px; font-weight: 600; } .figure .label { color: #6b7280; font-size: 12px; }
          .chart { background: white; box-shadow: 0 1px 2px #0001; }
          .key { font-size: 12px; font-weight: normal; padding-left: 14px; position: relative; margin-left: 8px; }
          .key::before { content: ""; position: absolute; left: 0; top: 6px; width: 10px; height: 3px; }
          .key.in::before { background: #2563eb; } .key.out::before { background: #16a34a; }
        </style></head>
        <body>%s</body></html>
        """.formatted(Html.escape(title), body);
  }
}
