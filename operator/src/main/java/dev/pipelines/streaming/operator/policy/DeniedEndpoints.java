package dev.pipelines.streaming.operator.policy;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.operator.children.PipelineEgress.ApiServerAddress;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.api.validation.SpecEndpoints;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Hosts a pipeline may not name as a source or sink (issue 31: an HTTP sink pointed at a cloud
 * metadata service or the cluster's API would make the operator's cluster the author's tool).
 * Always denied: link-local and cloud metadata addresses, the Kubernetes API
 * ({@code kubernetes.default…} and its addresses as the operator sees them) and every name in
 * the operator's own namespace. An admin adds networks and names ({@code --deny-egress}).
 *
 * <p>This reads what the spec says. A name that resolves to a denied address, or a host read
 * from a Secret, is not seen here: the egress NetworkPolicy ({@code --egress-network-policy})
 * holds those, where the cluster's network plugin enforces NetworkPolicy.
 *
 * @param networks denied address blocks
 * @param names denied host names: exact, or {@code *.suffix} for every name under it
 * @param namespaces namespaces none of whose Service or pod names may be used
 *     ({@code svc.ns}, {@code svc.ns.svc[.domain]}, {@code pod.sub.ns.svc…})
 * @param apiServer the Kubernetes API's addresses, denied on their port only: on a small
 *     cluster the API listens on a node's address, where other services (a broker on the host
 *     network) may be what a pipeline reads
 */
public record DeniedEndpoints(List<Network> networks, List<String> names, List<String> namespaces,
    List<ApiServerAddress> apiServer) {

  /** Link-local (IPv4 and IPv6, with AWS, GCP, Azure and OpenStack metadata), AWS's IPv6 and Alibaba's metadata. */
  static final List<String> METADATA_NETWORKS = List.of("169.254.0.0/16", "fe80::/10", "fd00:ec2::/32", "100.100.100.200/32");
  static final List<String> METADATA_NAMES = List.of("metadata.google.internal", "metadata", "instance-data",
      "instance-data.ec2.internal", "metadata.azure.internal");

  /** The API server's Service, {@code kubernetes} in {@code default}, and its longer names. */
  static final String API_SERVICE = "kubernetes.default";

  public DeniedEndpoints {
    networks = List.copyOf(networks);
    names = names.stream().map(DeniedEndpoints::canonical).toList();
    namespaces = List.copyOf(namespaces);
    apiServer = List.copyOf(apiServer);
  }

  /**
   * The built-in list plus the admin's entries.
   *
   * @param operatorNamespace the operator's namespace (null: none known)
   * @param apiServer the API server's addresses and ports as the operator reaches it
   * @param extra the admin's entries: CIDR blocks, single addresses, names, {@code *.suffix}
   * @throws IllegalArgumentException naming an entry that is none of those
   */
  public static DeniedEndpoints of(String operatorNamespace, List<ApiServerAddress> apiServer, List<String> extra) {
    List<Network> networks = new ArrayList<>();
    List<String> names = new ArrayList<>(METADATA_NAMES);
    METADATA_NETWORKS.forEach(n -> networks.add(Network.parse(n)));
    apiServer.forEach(a -> literal(a.ip())); // fail at start on an address that is none
    for (String entry : extra) {
      String e = entry.strip();
      if (e.isEmpty()) {
        continue;
      }
      if (e.contains("/") || looksNumeric(e) || e.contains(":")) {
        networks.add(Network.parse(e));
      } else {
        names.add(e);
      }
    }
    List<String> namespaces = new ArrayList<>();
    if (operatorNamespace != null && !operatorNamespace.isBlank()) {
      namespaces.add(operatorNamespace);
    }
    return new DeniedEndpoints(networks, names, namespaces, apiServer);
  }

  /** Only the built-in list, for an operator run outside a cluster. */
  public static DeniedEndpoints builtIn(String operatorNamespace) {
    return of(operatorNamespace, List.of(), List.of());
  }

  /** What is refused about the hosts {@code spec} names ({@link SpecEndpoints}); empty when none is denied. */
  public List<Problem> check(PipelineSpec spec) {
    List<Problem> refused = new ArrayList<>();
    for (SpecEndpoints.Endpoint e : SpecEndpoints.of(spec)) {
      denial(e.host(), e.port()).ifPresent(why -> refused.add(Problem.at(e.path(), "'" + e.host() + "' " + why,
          "the operator's tenant policy denies egress to link-local and metadata addresses, the Kubernetes API, the"
              + " operator's namespace and what the admin lists in tenantPolicy.egress.deny")));
    }
    return refused;
  }

  /** Why {@code host} (on {@code port}, null: unknown) is denied, or empty when it is not. */
  public Optional<String> denial(String host, Integer port) {
    String h = canonical(host);
    if (h.contains(":") || IPV4.matcher(h).matches()) {
      byte[] address;
      try {
        address = literal(h);
      } catch (IllegalArgumentException e) {
        return Optional.of("is not an address the operator can judge; write an IPv6 address in full, without a zone");
      }
      for (ApiServerAddress api : apiServer) {
        if (java.util.Arrays.equals(literal(api.ip()), address) && (port == null || port == api.port())) {
          return Optional.of("is the Kubernetes API (" + api.ip() + ":" + api.port() + ")");
        }
      }
      return network(address);
    }
    if (looksNumeric(h)) {
      // 2852039166, 0xa9.0xfe.0xa9.0xfe, 0251.0376…: resolvers read these as addresses
      return Optional.of("is an address not written as four decimal numbers; write it a.b.c.d");
    }
    for (String name : names) {
      if (h.equals(name) || (name.startsWith("*.") && h.endsWith(name.substring(1)))) {
        return Optional.of("is a denied name (" + name + ")");
      }
    }
    if (h.equals(API_SERVICE) || h.equals(API_SERVICE + ".svc") || h.startsWith(API_SERVICE + ".svc.")) {
      return Optional.of("is the Kubernetes API");
    }
    String[] labels = h.split("\\.");
    for (String ns : namespaces) {
      for (int i = 1; i < labels.length && i <= 2; i++) {
        if (labels[i].equals(ns) && (labels.length == i + 1 || labels[i + 1].equals("svc") || labels[i + 1].equals("pod"))) {
          return Optional.of("is in namespace " + ns + ", the operator's");
        }
      }
    }
    // a pod record, a-b-c-d.<ns>.pod.<domain>: CoreDNS ("pods insecure") answers with the address it spells
    if (labels.length >= 3 && labels[2].equals("pod") && POD_RECORD.matcher(labels[0]).matches()) {
      String address = labels[0].replace('-', '.');
      if (IPV4.matcher(address).matches()) {
        return network(literal(address)).map(why -> why + " (a pod DNS record)");
      }
    }
    return Optional.empty();
  }

  private static final Pattern POD_RECORD = Pattern.compile("\\d{1,3}(-\\d{1,3}){3}");

  private Optional<String> network(byte[] address) {
    for (Network n : networks) {
      if (n.contains(address)) {
        return Optional.of("is in " + n + ", a denied network");
      }
    }
    return Optional.empty();
  }

  private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  private static final Pattern NUMERIC_LABELS = Pattern.compile("((0x[0-9a-f]*|\\d+)\\.?)+");

  /** Dotted labels of digits or {@code 0x…} hex, as inet_aton reads them. */
  private static boolean looksNumeric(String host) {
    return NUMERIC_LABELS.matcher(host.toLowerCase(Locale.ROOT)).matches();
  }

  private static String canonical(String host) {
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  /** An address literal's bytes; IPv4-mapped IPv6 comes back as IPv4. Never a DNS lookup. */
  static byte[] literal(String address) {
    if (!address.contains(":") && !IPV4.matcher(address).matches()) {
      throw new IllegalArgumentException("'" + address + "' is not an IP address");
    }
    try {
      // a literal (IPv4 checked above, or containing ':') is parsed, never resolved
      return InetAddress.getByName(address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address)
          .getAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + address + "' is not an IP address", e);
    }
  }

  /** An address block, {@code a.b.c.d/n} or {@code v6/n}; a single address is {@code /32} or {@code /128}. */
  public record Network(byte[] base, int prefix, String text) {
    /** @throws IllegalArgumentException naming {@code cidr} when it is not a block or address */
    public static Network parse(String cidr) {
      String[] parts = cidr.split("/", 2);
      byte[] base = literal(parts[0]);
      int prefix;
      try {
        prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : base.length * 8;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + cidr + "' is not a CIDR block (e.g. 10.0.0.0/8)", e);
      }
      if (prefix < 0 || prefix > base.length * 8) {
        throw new IllegalArgumentException("'" + cidr + "' has a prefix length outside 0.." + base.length * 8);
      }
      return new Network(base, prefix, cidr);
    }

    boolean contains(byte[] address) {
      if (address.length != base.length) {
        return false;
      }
      int shift = base.length * 8 - prefix;
      return new BigInteger(1, address).shiftRight(shift).equals(new BigInteger(1, base).shiftRight(shift));
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
