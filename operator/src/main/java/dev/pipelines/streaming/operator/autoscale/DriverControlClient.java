package dev.pipelines.streaming.operator.autoscale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.operator.driver.DriverNames;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.BiFunction;

/**
 * Talks to a driver's control endpoint ({@code /progress}, {@code /control}) with the
 * pipeline's bearer token, which {@link ControlTokens} derives from the pipeline's UID: no
 * Secret is read. Connect timeout 3 s, request timeout 5 s: a frozen driver answers nothing.
 */
public final class DriverControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final ControlTokens tokens;
  private final BiFunction<String, String, URI> endpoint;

  /** @param endpoint (namespace, pipeline) → base URI of the driver's control port */
  public DriverControlClient(ControlTokens tokens, BiFunction<String, String, URI> endpoint) {
    this.tokens = tokens;
    this.endpoint = endpoint;
  }

  /** In-cluster: the stable Service {@code <pipeline>-driver} the operator creates. */
  public static BiFunction<String, String, URI> serviceEndpoint() {
    return (ns, name) -> URI.create("http://" + DriverNames.service(name) + "." + ns + ".svc:" + DriverNames.CONTROL_PORT);
  }

  /** The driver's last progress per query. */
  public DriverProgress progress(String ns, String name, String uid) throws IOException, InterruptedException {
    HttpResponse<String> r = send(uid, HttpRequest.newBuilder(endpoint.apply(ns, name).resolve("/progress")).GET());
    return JSON.readValue(r.body(), DriverProgress.class);
  }

  /** Asks the driver for {@code executors} executors (Spark's executor allocation API). */
  public void scale(String ns, String name, String uid, int executors) throws IOException, InterruptedException {
    send(uid, HttpRequest.newBuilder(endpoint.apply(ns, name).resolve("/control"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"targetExecutors\":" + executors + "}")));
  }

  /**
   * The driver answered 401: the token it holds is not the one the operator derives now (the
   * control key changed, or its Secret was replaced). The operator rewrites the Secret, which
   * the driver re-reads from its volume.
   */
  public static final class TokenRejectedException extends IOException {
    TokenRejectedException(String message) {
      super(message);
    }
  }

  private HttpResponse<String> send(String uid, HttpRequest.Builder request) throws IOException, InterruptedException {
    request.timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + tokens.token(uid));
    HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 401) {
      throw new TokenRejectedException("driver answered 401: it holds another control token");
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException("driver answered " + r.statusCode() + ": " + r.body());
    }
    return r;
  }
}
