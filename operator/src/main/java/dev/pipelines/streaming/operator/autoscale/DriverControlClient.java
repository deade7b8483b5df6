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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;

/** Talks to a driver's control endpoint with the pipeline's bearer token. */
public final class DriverControlClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final KubernetesClient client;
  private final BiFunction<String, String, URI> endpoint;
  /** Tokens by namespace/pipeline: the Secret never changes, so it is read once, not per poll. */
  private final Map<String, String> tokens = new ConcurrentHashMap<>();

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
    request.timeout(Duration.ofSeconds(5));
    HttpResponse<String> r = sendWithToken(request.copy(), ns, name);
    if (r.statusCode() == 401) {
      // A pipeline deleted and created again under the same name has a new Secret.
      tokens.remove(ns + "/" + name);
      r = sendWithToken(request, ns, name);
    }
    if (r.statusCode() / 100 != 2) {
      throw new IOException("driver answered " + r.statusCode() + ": " + r.body());
    }
    return r;
  }

  private HttpResponse<String> sendWithToken(HttpRequest.Builder request, String ns, String name)
      throws IOException, InterruptedException {
    String key = ns + "/" + name;
    String token = tokens.get(key);
    if (token == null) {
      token = readToken(ns, name);
      tokens.put(key, token);
    }
    return http.send(request.header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
  }

  private String readToken(String ns, String name) throws IOException {
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
