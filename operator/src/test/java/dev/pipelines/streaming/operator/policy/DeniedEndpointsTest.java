package dev.pipelines.streaming.operator.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.operator.children.PipelineEgress.ApiServerAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The egress deny-list, read from the spec as the operator does before anything starts: each
 * source and sink host in a denied place is refused naming its field; ordinary hosts pass.
 */
class DeniedEndpointsTest {
  static final DeniedEndpoints DENIED = DeniedEndpoints.of("spo-system", List.of(new ApiServerAddress("10.96.0.1", 443),
      new ApiServerAddress("192.168.1.5", 6443)),
      List.of("10.200.0.0/16", "*.corp.example", "vault"));

  static List<Problem> refused(String sources, String sinks, String sparkConf) {
    return DENIED.check(PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          sparkConf: {%s}
          sources:
        %s
          sinks:
        %s
        """.formatted(sparkConf, sources.indent(4), sinks.indent(4))).orThrow().spec());
  }

  static final String KAFKA = "- {name: k, kafka: {bootstrapServers: 'kafka.streaming-pipelines.svc:9092', topic: t}, schema: [{name: a, type: string}]}";

  @Test
  void metadataAddressesTheApiAndTheOperatorsNamespaceAreRefusedNamingTheField() {
    List<Problem> problems = refused(KAFKA + """

        - {name: k2, kafka: {bootstrapServers: 'ok:9092,[fe80::1]:9092', topic: t}, schema: [{name: a, type: string}]}
        - {name: db, jdbc: {url: 'jdbc:postgresql://db:5432,kubernetes.default.svc.cluster.local:443/shop', table: t}}
        """, """
        - {name: a, from: k, http: {url: 'http://169.254.169.254/latest/meta-data/'}}
        - {name: b, from: k, http: {url: 'https://[::ffff:169.254.169.254]/'}}
        - {name: c, from: k, mongodb: {uri: 'mongodb://mongo:27017,streaming-pipeline-operator.spo-system.svc:8081/db', database: d, collection: c}}
        - {name: d, from: k, http: {url: 'http://2852039166/'}}
        - {name: e, from: k, kafka: {bootstrapServers: 'METADATA.GOOGLE.INTERNAL.:80', topic: t}}
        - {name: f, from: k, http: {url: 'http://10.200.3.4:8200/'}}
        - {name: g, from: k, http: {url: 'https://api.corp.example/hook'}}
        - {name: h, from: k, http: {url: 'https://192.168.1.5:6443/api'}}
        """, "spark.hadoop.fs.s3a.endpoint: 'http://kubernetes.default:443', spark.hadoop.fs.s3a.bucket.logs.endpoint: 'vault'");
    assertThat(problems).extracting(Problem::toString).containsExactly(
        hint("spec.sources[1].kafka.bootstrapServers: 'fe80::1' is in fe80::/10, a denied network"),
        hint("spec.sources[2].jdbc.url: 'kubernetes.default.svc.cluster.local' is the Kubernetes API"),
        hint("spec.sinks[0].http.url: '169.254.169.254' is in 169.254.0.0/16, a denied network"),
        hint("spec.sinks[1].http.url: '::ffff:169.254.169.254' is in 169.254.0.0/16, a denied network"),
        hint("spec.sinks[2].mongodb.uri: 'streaming-pipeline-operator.spo-system.svc' is in namespace spo-system, the operator's"),
        hint("spec.sinks[3].http.url: '2852039166' is an address not written as four decimal numbers; write it a.b.c.d"),
        hint("spec.sinks[4].kafka.bootstrapServers: 'metadata.google.internal.' is a denied name (metadata.google.internal)"),
        hint("spec.sinks[5].http.url: '10.200.3.4' is in 10.200.0.0/16, a denied network"),
        hint("spec.sinks[6].http.url: 'api.corp.example' is a denied name (*.corp.example)"),
        hint("spec.sinks[7].http.url: '192.168.1.5' is the Kubernetes API (192.168.1.5:6443)"),
        hint("spec.sparkConf[\"spark.hadoop.fs.s3a.endpoint\"]: 'kubernetes.default' is the Kubernetes API"),
        hint("spec.sparkConf[\"spark.hadoop.fs.s3a.bucket.logs.endpoint\"]: 'vault' is a denied name (vault)"));
  }

  /** The review's ways around the list: a JDBC host parameter, a file system URL, a pod record, IPv6 forms. */
  @Test
  void hostsHiddenInParametersPathsAndRecordsAreFoundToo() {
    List<Problem> problems = refused(KAFKA + """

        - {name: db, jdbc: {url: 'jdbc:postgresql://db/shop?sslmode=require&host=169.254.169.254', table: t}}
        - {name: f, files: {path: 'webhdfs://kubernetes.default.svc:443/x', format: json}, schema: [{name: a, type: string}]}
        """, """
        - {name: a, from: k, kafka: {bootstrapServers: '169-254-169-254.any.pod.cluster.local:80', topic: t}}
        - {name: b, from: k, kafka: {bootstrapServers: 'fd00:ec2::254:9092', topic: t}}
        - {name: c, from: k, kafka: {bootstrapServers: '[fe80::1%nosuch]:9092', topic: t}}
        - {name: d, from: k, http: {url: 'http://x.spo-system.pod.cluster.local/'}}
        """, "");
    assertThat(problems).extracting(Problem::path).contains("spec.sources[1].jdbc.url", "spec.sources[2].files.path",
        "spec.sinks[0].kafka.bootstrapServers", "spec.sinks[1].kafka.bootstrapServers", "spec.sinks[2].kafka.bootstrapServers",
        "spec.sinks[3].http.url");
    assertThat(problems).extracting(Problem::message).anySatisfy(m -> assertThat(m).contains("(a pod DNS record)"));
  }

  @Test
  void ordinaryHostsPass() {
    assertThat(refused(KAFKA + """

        - {name: db, jdbc: {url: 'jdbc:postgresql://postgres.shop.svc.cluster.local:5432/shop', table: t}}
        """, """
        - {name: a, from: k, http: {url: 'https://hooks.example.com/T000/B000'}}
        - {name: b, from: k, mongodb: {uri: 'mongodb+srv://cluster0.example.net/db', database: d, collection: c}}
        - {name: c, from: k, kafka: {bootstrapServers: '10.1.2.3:9092', topic: t}}
        - {name: d, from: k, http: {url: 'http://kubernetes-dashboard.tools.svc/'}}
        - {name: e, from: k, kafka: {bootstrapServers: '192.168.1.5:9092', topic: t}}
        - {name: f, from: k, files: {path: 's3a://metadata/out', format: json}}
        """, "spark.hadoop.fs.s3a.endpoint: 'http://minio.storage:9000'")).as("the API's node address on another port;"
        + " a bucket named like a metadata host").isEmpty();
  }

  @Test
  void anAdminEntryThatIsNeitherANetworkNorANameIsRefusedAtStart() {
    assertThatThrownBy(() -> DeniedEndpoints.of(null, List.of(), List.of("10.0.0.0/40")))
        .hasMessageContaining("'10.0.0.0/40' has a prefix length outside 0..32");
    assertThatThrownBy(() -> DeniedEndpoints.of(null, List.of(), List.of("10.0.0/8")))
        .hasMessageContaining("'10.0.0' is not an IP address");
  }

  private static String hint(String problem) {
    return problem + " (the operator's tenant policy denies egress to link-local and metadata addresses, the Kubernetes"
        + " API, the operator's namespace and what the admin lists in tenantPolicy.egress.deny)";
  }
}
