package dev.pipelines.streaming.operator;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.operator.autoscale.DriverControlClient;
import dev.pipelines.streaming.operator.autoscale.ProgressStep;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
import dev.pipelines.streaming.operator.driver.SparkConfFactory;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.dashboard.DashboardAccess;
import dev.pipelines.streaming.operator.dashboard.DashboardPages;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.metrics.OperatorMetrics;
import dev.pipelines.streaming.operator.children.PipelineChildren;
import dev.pipelines.streaming.operator.children.PipelineEgress;
import dev.pipelines.streaming.operator.children.PipelineEgress.ApiServerAddress;
import dev.pipelines.streaming.operator.policy.ApiServerAddresses;
import dev.pipelines.streaming.operator.policy.DeniedEndpoints;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.operator.reconcile.ClusterActor;
import dev.pipelines.streaming.operator.reconcile.Decider;
import dev.pipelines.streaming.operator.reconcile.EventRecorder;
import dev.pipelines.streaming.operator.reconcile.PipelineObserver;
import dev.pipelines.streaming.operator.reconcile.ReconcileLoop;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.function.BiFunction;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.spark.util.SystemClock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar streaming-pipeline-operator.jar}: in-cluster, or against the current kubeconfig. */
@Command(name = "streaming-pipeline-operator", mixinStandardHelpOptions = true,
    description = "Runs StreamingPipeline resources as Spark drivers: restarts them from their checkpoint,"
        + " rolls out spec changes, suspends and resumes them.")
public final class OperatorMain implements Callable<Integer> {
  @Option(names = "--namespaces", split = ",", defaultValue = "${env:WATCH_NAMESPACES:-}",
      description = "Namespaces to watch, comma-separated (default: all; env WATCH_NAMESPACES).")
  List<String> namespaces;

  @Option(names = "--runner-image", defaultValue = "${env:RUNNER_IMAGE:-streaming-pipeline-runner:latest}",
      description = "Runner image for pipelines that set no spec.image (default: ${DEFAULT-VALUE}).")
  String runnerImage;

  @Option(names = "--allowed-images", split = ",", defaultValue = "${env:ALLOWED_IMAGES:-}",
      description = "Images pipelines may set as spec.image besides the runner image: exact references, or prefixes"
          + " ending in / (default: none; env ALLOWED_IMAGES). The chart's admission policy holds drivers to the same list.")
  List<String> allowedImages;

  @Option(names = "--operator-namespace", defaultValue = "${env:POD_NAMESPACE:-}",
      description = "The namespace the operator runs in, where it runs no pipelines unless --allow-operator-namespace"
          + " (default: env POD_NAMESPACE; unset outside a cluster).")
  String operatorNamespace;

  @Option(names = "--allow-operator-namespace", defaultValue = "false",
      description = "Run pipelines in the operator's own namespace too; a driver there could start pods under the"
          + " operator's ServiceAccount (default: false: they get Ready=False, reason NotAllowed).")
  boolean allowOperatorNamespace;

  @Option(names = "--allow-custom-claims", defaultValue = "false",
      description = "Let spec.checkpoint.pvc.claimName name a claim other than <name>-checkpoints (it could be another"
          + " pipeline's checkpoint; default: false).")
  boolean allowCustomClaims;

  @Option(names = "--max-executors", description = "The most executors a pipeline may ask for, fixed or autoscaled"
      + " (default: no limit).")
  Integer maxExecutors;

  @Option(names = "--max-cores", description = "The most CPU cores a pipeline may ask for per driver or executor"
      + " (default: no limit).")
  Integer maxCores;

  @Option(names = "--max-memory", description = "The most memory a pipeline may ask for per driver or executor, in"
      + " Spark's format, e.g. 8g (default: no limit).")
  String maxMemory;

  @Option(names = "--admission-policy", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "The chart's admission policy holds drivers (default: true): an executor pod template it would"
          + " refuse (Secret volumes or environment, CSI or ephemeral volumes, another claim, nodeName,"
          + " runtimeClassName) is refused before the driver starts. --no-admission-policy on clusters without it.")
  boolean admissionPolicy;

  @Option(names = "--deny-egress", split = ",", defaultValue = "${env:DENY_EGRESS:-}",
      description = "Networks (CIDR blocks or addresses) and host names (exact, or *.suffix) no source or sink may"
          + " name, besides the built-in ones: link-local and metadata addresses, the Kubernetes API and the"
          + " operator's namespace (default: none; env DENY_EGRESS).")
  List<String> denyEgress;

  @Option(names = "--egress-network-policy", defaultValue = "false",
      description = "Give each pipeline NetworkPolicies holding its driver and executors to DNS, each other, the"
          + " Kubernetes API (driver only) and the --egress-rules destinations (default: false). Enforced by"
          + " network plugins that implement NetworkPolicy.")
  boolean egressNetworkPolicy;

  @Option(names = "--egress-rules", defaultValue = "${env:EGRESS_RULES:-[]}",
      description = "With --egress-network-policy: the destinations pipelines may reach, a JSON list of NetworkPolicy"
          + " egress rules ({\"to\": [{\"ipBlock\": {\"cidr\": \"10.20.0.0/16\"}}], \"ports\": [...]}; default: none).")
  String egressRules;

  @Option(names = "--health-port", defaultValue = "8081",
      description = "Port of /healthz, /readyz, /metrics and the dashboard at / (default: ${DEFAULT-VALUE}).")
  int healthPort;

  @Option(names = "--leader-election", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Run one active replica at a time (default: true).")
  boolean leaderElection;

  @Option(names = "--leader-election-namespace", defaultValue = "${env:POD_NAMESPACE:-default}",
      description = "Namespace of the leader-election Lease and of the control-key Secret (default: env POD_NAMESPACE, else default).")
  String leaseNamespace;

  @Option(names = "--control-key-secret", defaultValue = "${env:CONTROL_KEY_SECRET:-streaming-pipeline-operator-control-key}",
      description = "Secret in the operator's namespace holding the key that drivers' control tokens are derived from;"
          + " created when missing (default: ${DEFAULT-VALUE}).")
  String controlKeySecret;

  @Option(names = "--dashboard-token-file", defaultValue = "${env:DASHBOARD_TOKEN_FILE:-}",
      description = "Serve the dashboard to any client presenting this file's content as a bearer token;"
          + " without it the dashboard answers only loopback clients (kubectl port-forward).")
  Path dashboardTokenFile;

  public static void main(String[] args) {
    int exit = new CommandLine(new OperatorMain()).execute(args);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  @Override
  public Integer call() throws IOException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    Fleet fleet = new Fleet();
    ProgressHistory history = new ProgressHistory();
    OperatorMetrics metrics = new OperatorMetrics(fleet);
    Operator operator = create(client, leaderElection ? leaseNamespace : null, metrics);
    ControlTokens tokens = ControlTokens.loadOrCreate(client, leaseNamespace, controlKeySecret);
    List<ApiServerAddress> apiServer = ApiServerAddresses.discover(client, System.getenv());
    TenantPolicy policy = new TenantPolicy(runnerImage, allowedImages, operatorNamespace, allowOperatorNamespace,
        allowCustomClaims, new TenantPolicy.Limits(maxExecutors, maxCores, maxMemory),
        DeniedEndpoints.of(operatorNamespace, apiServer, denyEgress),
        admissionPolicy);
    PipelineEgress egress = egressNetworkPolicy
        ? new PipelineEgress(true, parseEgressRules(egressRules), apiServer) : PipelineEgress.OFF;
    operator.register(new StreamingPipelineReconciler(loop(client, runnerImage, history, tokens, policy, egress,
            DriverControlClient.serviceEndpoint()), fleet, new PipelineChildren(egress)),
        o -> {
          if (namespaces != null && !namespaces.isEmpty() && !namespaces.get(0).isBlank()) {
            o.settingNamespaces(Set.copyOf(namespaces));
          }
        });
    String dashboardToken = dashboardTokenFile == null || dashboardTokenFile.toString().isBlank()
        ? null : Files.readString(dashboardTokenFile).strip();
    startHttpServer(healthPort, operator, metrics,
        new DashboardPages(fleet, history, Clock.systemUTC(), DashboardAccess.of(dashboardToken)));
    operator.start();
    return 0;
  }

  /** The operator with the settings production and tests share. */
  public static Operator create(KubernetesClient client, String leaseNamespace, OperatorMetrics metrics) {
    return new Operator(o -> {
      o.withKubernetesClient(client)
          .withMetrics(metrics.josdk())
          // The reconciler writes status itself (an update guarded by resourceVersion, see
          // StreamingPipelineReconciler); no server-side apply on the primary: the operator owns
          // status, never spec.
          .withUseSSAToPatchPrimaryResource(false)
          .withCloseClientOnStop(false)
          .checkingCRDAndValidateLocalModel(false);
      if (leaseNamespace != null) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration("streaming-pipeline-operator", leaseNamespace));
      }
    });
  }

  public static ReconcileLoop loop(KubernetesClient client, String runnerImage, ProgressHistory history,
      ControlTokens tokens, TenantPolicy policy) {
    return loop(client, runnerImage, history, tokens, policy, DriverControlClient.serviceEndpoint());
  }

  /** The reconcile loop, reading drivers' control endpoints at {@code endpoint} (namespace, pipeline) → base URI. */
  public static ReconcileLoop loop(KubernetesClient client, String runnerImage, ProgressHistory history,
      ControlTokens tokens, TenantPolicy policy, BiFunction<String, String, URI> endpoint) {
    return loop(client, runnerImage, history, tokens, policy, PipelineEgress.OFF, endpoint);
  }

  /** The reconcile loop, giving pipelines the {@code egress} NetworkPolicies before their drivers start. */
  public static ReconcileLoop loop(KubernetesClient client, String runnerImage, ProgressHistory history,
      ControlTokens tokens, TenantPolicy policy, PipelineEgress egress, BiFunction<String, String, URI> endpoint) {
    DriverPodFactory pods = new DriverPodFactory(client, new SparkConfFactory(runnerImage), new SystemClock());
    return new ReconcileLoop(new PipelineObserver(client), new Decider(), new ClusterActor(client, pods, tokens, egress),
        new EventRecorder(client), Clock.systemUTC(),
        new ProgressStep(new DriverControlClient(tokens, endpoint), history), policy);
  }

  /**
   * {@code --egress-rules}: NetworkPolicy egress rules as JSON, in Kubernetes' own shape.
   *
   * @throws IllegalArgumentException naming the flag when it is not such a list
   */
  public static List<NetworkPolicyEgressRule> parseEgressRules(String json) {
    if (json == null || json.isBlank()) {
      return List.of();
    }
    try {
      return List.of(Serialization.jsonMapper().readValue(json, NetworkPolicyEgressRule[].class));
    } catch (IOException e) {
      throw new IllegalArgumentException("--egress-rules is not a JSON list of NetworkPolicy egress rules: "
          + e.getMessage(), e);
    }
  }

  /**
   * /healthz: the process is alive. /readyz: the operator's controllers are running.
   * /metrics: Prometheus text (see {@link OperatorMetrics}). /: the read-only dashboard.
   */
  private static final String TEXT = "text/plain; charset=utf-8";

  static HttpServer startHttpServer(int port, Operator operator, OperatorMetrics metrics, DashboardPages dashboard)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    dashboard.serveOn(server);
    server.createContext("/metrics", exchange ->
        HttpResponses.send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
    server.createContext("/healthz", exchange -> HttpResponses.send(exchange, 200, TEXT, "ok"));
    server.createContext("/readyz", exchange -> {
      boolean ready = operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy();
      HttpResponses.send(exchange, ready ? 200 : 503, TEXT, ready ? "ready" : "not ready");
    });
    server.start();
    return server;
  }
}
