package dev.pipelines.streaming.operator.children;

import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The egress NetworkPolicies of a pipeline, when the admin turns them on
 * ({@code --egress-network-policy}, chart {@code tenantPolicy.egress.networkPolicy}): its driver
 * and executors may reach the cluster's DNS, each other, and only the destinations the admin lists; its driver
 * also the Kubernetes API (Spark's driver starts its executors there). Everything else they
 * send is dropped by the cluster's network plugin, a name that resolves to a metadata address
 * or a URL read from a Secret included: what {@code DeniedEndpoints} cannot see in a spec.
 * Ingress is left alone (the operator reads the driver's control endpoint).
 *
 * <p>NetworkPolicies add up: a pod may send what any policy selecting it allows. Both are
 * selected by the pipeline's label, which the admission policy makes every executor carry.
 * Enforced only where the network plugin implements NetworkPolicy (Calico, Cilium, …; the CNI
 * bridge plugin of the real-node suite does not).
 *
 * @param enabled whether pipelines get the policies (off: none, and those made before are deleted)
 * @param allowed the admin's destinations, as NetworkPolicy egress rules
 * @param apiServer the Kubernetes API's addresses and port, as the driver reaches it
 */
public record PipelineEgress(boolean enabled, List<NetworkPolicyEgressRule> allowed, List<ApiServerAddress> apiServer) {
  /** No policies. */
  public static final PipelineEgress OFF = new PipelineEgress(false, List.of(), List.of());

  /** One address of the API server (an endpoint or the {@code kubernetes} Service's IP) and its port. */
  public record ApiServerAddress(String ip, int port) {}

  public PipelineEgress {
    allowed = List.copyOf(allowed);
    apiServer = List.copyOf(apiServer);
  }

  /** The NetworkPolicy every pod of the pipeline is held to: DNS, its own pods, the admin's destinations. */
  public NetworkPolicy pipelinePolicy(String ns, String pipeline) {
    List<NetworkPolicyEgressRule> rules = new ArrayList<>();
    // DNS: the cluster's resolver (kube-dns pods, CoreDNS's label); port 53 anywhere would be a
    // way out. A node-local cache (169.254.20.10) goes in the admin's rules.
    rules.add(new NetworkPolicyEgressRuleBuilder()
        .addNewTo().withNewNamespaceSelector().withMatchLabels(Map.of("kubernetes.io/metadata.name", "kube-system"))
        .endNamespaceSelector().withNewPodSelector().withMatchLabels(Map.of("k8s-app", "kube-dns")).endPodSelector().endTo()
        .withPorts(new NetworkPolicyPortBuilder().withProtocol("UDP").withPort(new IntOrString(53)).build(),
            new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(53)).build())
        .build());
    // the driver and its executors (block manager, shuffle, the driver's RPC endpoint)
    rules.add(new NetworkPolicyEgressRuleBuilder().addNewTo().withNewPodSelector()
        .withMatchLabels(Map.of(DriverNames.LABEL_PIPELINE, pipeline)).endPodSelector().endTo().build());
    rules.addAll(allowed);
    return new NetworkPolicyBuilder().withNewMetadata().withName(DriverNames.egressPolicy(pipeline)).withNamespace(ns)
        .withLabels(PipelineAccess.labels(pipeline)).endMetadata()
        .withNewSpec().withNewPodSelector().withMatchLabels(Map.of(DriverNames.LABEL_PIPELINE, pipeline)).endPodSelector()
        .withPolicyTypes("Egress").withEgress(rules).endSpec().build();
  }

  /** The driver's addition: the Kubernetes API, at the addresses the operator found, each only on its own port. */
  public NetworkPolicy driverPolicy(String ns, String pipeline) {
    List<NetworkPolicyEgressRule> rules = apiServer.stream().distinct().map(a -> new NetworkPolicyEgressRuleBuilder()
        .addNewTo().withNewIpBlock().withCidr(a.ip() + (a.ip().contains(":") ? "/128" : "/32")).endIpBlock().endTo()
        .addNewPort().withProtocol("TCP").withPort(new IntOrString(a.port())).endPort().build()).toList();
    return new NetworkPolicyBuilder().withNewMetadata().withName(DriverNames.driverEgressPolicy(pipeline)).withNamespace(ns)
        .withLabels(PipelineAccess.labels(pipeline)).endMetadata()
        .withNewSpec().withNewPodSelector()
        .withMatchLabels(Map.of(DriverNames.LABEL_PIPELINE, pipeline, DriverNames.SPARK_ROLE, "driver")).endPodSelector()
        .withPolicyTypes("Egress").withEgress(rules).endSpec().build();
  }

  /** Both policies, or none when off. */
  public List<NetworkPolicy> policies(String ns, String pipeline) {
    return enabled ? List.of(pipelinePolicy(ns, pipeline), driverPolicy(ns, pipeline)) : List.of();
  }
}
