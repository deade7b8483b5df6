package dev.pipelines.streaming.operator.policy;

import dev.pipelines.streaming.operator.children.PipelineEgress.ApiServerAddress;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where the Kubernetes API is, as a pod reaches it: the {@code kubernetes} Service's address
 * (a pod's {@code KUBERNETES_SERVICE_HOST}/{@code _PORT}) and the endpoints behind it
 * (EndpointSlice {@code default/kubernetes}, which the API server keeps itself). Read once at the
 * operator's start: for the deny-list (an HTTP sink may not post to the API) and for the
 * driver's egress NetworkPolicy (network plugins judge a Service's traffic after it is
 * translated to an endpoint, some before: both are listed).
 */
public final class ApiServerAddresses {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ApiServerAddresses.class);
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|\\[?[0-9a-fA-F.]*:[0-9a-fA-F:.]*]?");

  private ApiServerAddresses() {}

  /**
   * What {@code client} and the environment say; an EndpointSlice the operator may not read
   * (its RBAC in {@code default} not installed) is logged and left out.
   *
   * @param env the process environment ({@code System.getenv()})
   */
  public static List<ApiServerAddress> discover(KubernetesClient client, Map<String, String> env) {
    Set<ApiServerAddress> found = new LinkedHashSet<>();
    String host = env.get("KUBERNETES_SERVICE_HOST");
    String port = env.get("KUBERNETES_SERVICE_PORT");
    if (host != null && IP_LITERAL.matcher(host.strip()).matches() && port != null && port.matches("\\d+")) {
      found.add(new ApiServerAddress(host.strip(), Integer.parseInt(port)));
    }
    URI master = URI.create(client.getMasterUrl().toString());
    if (master.getHost() != null && IP_LITERAL.matcher(master.getHost()).matches()) {
      int p = master.getPort() > 0 ? master.getPort() : 443;
      found.add(new ApiServerAddress(master.getHost().replace("[", "").replace("]", ""), p));
    }
    try {
      EndpointSlice slice = client.discovery().v1().endpointSlices().inNamespace("default").withName("kubernetes").get();
      if (slice != null && slice.getEndpoints() != null && slice.getPorts() != null) {
        slice.getEndpoints().forEach(e -> e.getAddresses().forEach(a -> slice.getPorts().stream()
            .filter(p -> p.getPort() != null).forEach(p -> found.add(new ApiServerAddress(a, p.getPort())))));
      }
    } catch (KubernetesClientException e) {
      LOG.warn("could not read EndpointSlice default/kubernetes ({}): the API server's endpoints are not in the egress"
          + " deny-list or the drivers' NetworkPolicy, only the kubernetes Service's address", e.getCode());
    }
    return new ArrayList<>(found);
  }
}
