package dev.pipelines.streaming.runner.control;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The driver's endpoints on one port:
 * <ul>
 *   <li>{@code GET /progress}: the last micro-batch of every query (token required);</li>
 *   <li>{@code GET /metrics}: the same as Prometheus text (open, like any scrape target);</li>
 *   <li>{@code POST /control}: {@code {"targetExecutors": n}} scales in place ({@link ExecutorScaler}:
 *       more are requested, a surplus is decommissioned gracefully),
 *       {@code {"stop": true}} stops every query after its current batch (token required).</li>
 * </ul>
 * The token is a bearer token the operator generates into a Secret mounted in the driver ({@link ControlToken}).
 */
public final class ControlServer implements AutoCloseable {
  private static final ObjectMapper JSON = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .build();

  private final HttpServer server;
  private final ControlToken token;
  private final ProgressReader progress;
  private final ExecutorScaler scaler;
  private final Runnable gracefulStop;
  private final RunnerMetrics metrics;

  /** The body of {@code POST /control}. */
  record ControlRequest(Integer targetExecutors, Boolean stop) {}

  public ControlServer(InetSocketAddress address, String token, ProgressReader progress, ExecutorScaler scaler,
      Runnable gracefulStop) throws IOException {
    this(address, ControlToken.fixed(token), progress, scaler, gracefulStop);
  }

  /** @param token the bearer token callers must present ({@link ControlToken}: fixed, or a mounted file) */
  public ControlServer(InetSocketAddress address, ControlToken token, ProgressReader progress, ExecutorScaler scaler,
      Runnable gracefulStop) throws IOException {
    this.token = token;
    this.progress = progress;
    this.scaler = scaler;
    this.gracefulStop = gracefulStop;
    this.metrics = new RunnerMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    this.server = HttpServer.create(address, 16);
    server.createContext("/progress", ex -> handle(ex, "GET", true, this::progress));
    server.createContext("/metrics", ex -> handle(ex, "GET", false, this::metrics));
    server.createContext("/control", ex -> handle(ex, "POST", true, this::control));
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "control-server");
      t.setDaemon(true);
      return t;
    }));
  }

  public ControlServer start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private record Response(int status, String contentType, String body) {
    static Response json(int status, Object body) {
      try {
        return new Response(status, "application/json", JSON.writeValueAsString(body));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    static Response error(int status, String message) {
      return json(status, Map.of("error", message));
    }
  }

  private interface Handler {
    Response handle(HttpExchange exchange) throws IOException;
  }

  private void handle(HttpExchange ex, String method, boolean needsToken, Handler handler) throws IOException {
    Response r;
    try {
      if (!method.equals(ex.getRequestMethod())) {
        r = Response.error(405, ex.getRequestMethod() + " not allowed; use " + method);
      } else if (needsToken && !authorized(ex)) {
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer");
        r = Response.error(401, "missing or wrong bearer token");
      } else {
        r = handler.handle(ex);
      }
    } catch (RuntimeException e) {
      r = Response.error(500, String.valueOf(e.getMessage()));
    }
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", r.contentType());
    ex.sendResponseHeaders(r.status(), body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private boolean authorized(HttpExchange ex) {
    String header = ex.getRequestHeaders().getFirst("Authorization");
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return token.matches(header.substring("Bearer ".length()));
  }

  private Response progress(HttpExchange ex) {
    return Response.json(200, progress.report());
  }

  private Response metrics(HttpExchange ex) {
    return new Response(200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape(progress.report()));
  }

  private Response control(HttpExchange ex) throws IOException {
    ControlRequest request;
    try {
      request = JSON.readValue(ex.getRequestBody(), ControlRequest.class);
    } catch (IOException e) {
      String detail = e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
      return Response.error(400, "malformed body: " + detail
          + "; send {\"targetExecutors\": <n>} or {\"stop\": true}");
    }
    if (request == null || (request.targetExecutors() == null && !Boolean.TRUE.equals(request.stop()))) {
      return Response.error(400, "nothing to do; send {\"targetExecutors\": <n>} or {\"stop\": true}");
    }
    if (Boolean.TRUE.equals(request.stop())) {
      Thread stopper = new Thread(gracefulStop, "graceful-stop");
      stopper.start();
      return Response.json(202, Map.of("stopping", true));
    }
    int target = request.targetExecutors();
    if (target < 0) {
      return Response.error(400, "targetExecutors must be at least 0, got " + target);
    }
    if (!scaler.supported()) {
      return Response.error(409, "executor scaling needs a cluster manager; local mode uses a fixed thread pool");
    }
    boolean accepted;
    try {
      accepted = scaler.scaleTo(target);
    } catch (UnsupportedOperationException e) {
      return Response.error(409, e.getMessage());
    }
    return Response.json(accepted ? 200 : 503, Map.of("targetExecutors", target, "accepted", accepted));
  }
}
