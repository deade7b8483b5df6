package dev.pipelines.streaming.operator.autoscale;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.BiFunction;

/** Talks to a driver's control endpoint with the pipeline's bearer token. */
public final class DriverControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final KubernetesClient client;
  private final BiFunction<String, String, URI> endpoint;

  /** @param endpoint (namespace, pipeline) → base URI of the driver's control port */
  public DriverControlClient(KubernetesClient client, BiFunction<String, String, URI> endpoint) {
    this.client = client;
    this.endpoint = endpoint;
  }

  /** In-cluster: the stable Service {@code <pipeline>-driver} the operator creates. */
  public static BiFunction<String, String, URI> serviceEndpoint() {
    return (ns, name) -> URI.create("http://" + DriverNames.service(name) + "." + ns + ".svc:" + DriverNames.CONTROL_PORT);
  }

  public DriverProgress progress(String ns, String name) throws IOException, InterruptedException {
    HttpResponse<String> r = send(ns, name, HttpRequest.newBuilder(endpoint.apply(ns, name).resolve("/progress")).GET());
    return JSON.readValue(r.body(), DriverProgress.class);
  }

  public void scale(String ns, String name, int executors) throws IOException, InterruptedException {
    send(ns, name, HttpRequest.newBuilder(endpoint.apply(ns, name).resolve("/control"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"targetExecutors\":" + executors + "}")));
  }

  private HttpResponse<String> send(String ns, String name, HttpRequest.Builder request)
      throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + token(ns, name)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException("driver answered " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  private String token(String ns, String name) throws IOException {
    Secret secret = client.secrets().inNamespace(ns).withName(DriverNames.controlSecret(name)).get();
    if (secret == null) {
      throw new IOException("secret " + DriverNames.controlSecret(name) + " is missing");
    }
    if (secret.getData() != null && secret.getData().containsKey(DriverNames.CONTROL_TOKEN_KEY)) {
      return new String(Base64.getDecoder().decode(secret.getData().get(DriverNames.CONTROL_TOKEN_KEY)), StandardCharsets.UTF_8);
    }
    return secret.getStringData().get(DriverNames.CONTROL_TOKEN_KEY); // servers without write-time conversion (mocks)
  }
}
