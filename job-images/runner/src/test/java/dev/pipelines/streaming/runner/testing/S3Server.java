package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 API server on 127.0.0.1: moto's standalone server (PyPI; {@code .ci/run} installs it
 * into a virtualenv under ~/.cache/streaming-pipeline-operator), as a child process. moto keeps
 * objects in memory and speaks the S3 REST API closely enough for Hadoop's S3A, directory markers
 * included (S3Proxy was tried first: it answers a HEAD of {@code dir} with the marker object
 * {@code dir/}, and S3A then refuses to create directories under it). One per test run.
 *
 * <p>Tests that need it call {@link #sharedOrSkip()}: skipped when moto is not installed, unless
 * {@code REQUIRE_S3_SERVER=1} (CI), where a missing server fails the test.
 */
public final class S3Server implements AutoCloseable {
  public static final String ACCESS_KEY = "spo-test-access-key";
  public static final String SECRET_KEY = "spo-test-secret-key";
  private static S3Server shared;

  private final Process process;
  private final int port;

  private S3Server(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** The shared server; a JUnit assumption skips the test when moto is missing and CI does not require it. */
  public static synchronized S3Server sharedOrSkip() {
    if (shared == null) {
      Path server = motoServer();
      Assumptions.assumeTrue(server != null || "1".equals(System.getenv("REQUIRE_S3_SERVER")),
          "moto_server not installed (pip install 'moto[server]'); REQUIRE_S3_SERVER=1 makes this a failure");
      if (server == null) {
        throw new IllegalStateException("REQUIRE_S3_SERVER=1 but no moto_server at " + System.getProperty("moto.server")
            + " or on PATH");
      }
      try {
        shared = start(server, Files.createTempDirectory("moto"));
      } catch (IOException e) {
        throw new IllegalStateException("cannot start moto_server: " + e.getMessage(), e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  /** The configured virtualenv's moto_server, else one on PATH, else null. */
  private static Path motoServer() {
    String configured = System.getProperty("moto.server");
    if (configured != null && Files.isExecutable(Path.of(configured))) {
      return Path.of(configured);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "moto_server");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  static S3Server start(Path server, Path dir) throws IOException {
    int port = KafkaBroker.freePort();
    Path log = dir.resolve("moto.log");
    Process process = new ProcessBuilder(server.toString(), "-H", "127.0.0.1", "-p", String.valueOf(port))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    S3Server s3 = new S3Server(process, port);
    ServerProcess.awaitListening(process, port, Duration.ofSeconds(60), log, "moto_server");
    return s3;
  }

  /** The S3 endpoint URL, for {@code fs.s3a.endpoint}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** A new, empty bucket (S3A does not create buckets): a PUT of the bucket through the AWS SDK. */
  public String createBucket(String name) {
    try (S3Client client = S3Client.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build()) {
      client.createBucket(b -> b.bucket(name));
    }
    return name;
  }

  /** Hadoop's S3A file system for one bucket of this server, as the runner sees it; close it after use. */
  public FileSystem fileSystem(String bucket) {
    Configuration conf = new Configuration();
    hadoopConf().forEach(conf::set);
    try {
      return FileSystem.newInstance(URI.create("s3a://" + bucket + "/"), conf);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Batches in a files sink's commit log ({@code <sink path>/_spark_metadata}); 0 before the first. */
  public int committedBatches(String sinkPath) {
    org.apache.hadoop.fs.Path log = new org.apache.hadoop.fs.Path(sinkPath, "_spark_metadata");
    try (FileSystem fs = fileSystem(log.toUri().getHost())) {
      if (!fs.exists(log)) {
        return 0;
      }
      return (int) java.util.Arrays.stream(fs.listStatus(log))
          .filter(f -> f.getPath().getName().matches("\\d+(\\.compact)?")).count();
    } catch (IOException e) {
      return 0; // listing raced with a compaction; ask again
    }
  }

  /**
   * The spec's {@code sparkConf} lines (YAML flow entries) that point S3A at this server: the
   * endpoint, path-style access (no bucket DNS names on 127.0.0.1) and a region.
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.hadoop.fs.s3a.endpoint", endpoint());
    conf.put("spark.hadoop.fs.s3a.path.style.access", "true");
    conf.put("spark.hadoop.fs.s3a.endpoint.region", "us-east-1");
    conf.put("spark.hadoop.fs.s3a.connection.ssl.enabled", "false");
    return conf;
  }

  /** The same settings as Hadoop keys (no {@code spark.hadoop.} prefix), plus this server's keys. */
  public Map<String, String> hadoopConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    sparkConf().forEach((k, v) -> conf.put(k.substring("spark.hadoop.".length()), v));
    conf.put("fs.s3a.access.key", ACCESS_KEY);
    conf.put("fs.s3a.secret.key", SECRET_KEY);
    return conf;
  }

  /** The environment the AWS SDK's default credential chain reads (how a pod gets them from a Secret). */
  public Map<String, String> credentialsEnv() {
    return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
  }

  @Override
  public void close() {
    ServerProcess.stop(process);
  }

  /** The YAML lines of {@link #sparkConf()} for a spec, indented by {@code indent} spaces. */
  public String sparkConfYaml(int indent) {
    StringBuilder yaml = new StringBuilder();
    for (var e : sparkConf().entrySet()) {
      yaml.append(" ".repeat(indent)).append(e.getKey()).append(": \"").append(e.getValue()).append("\"\n");
    }
    return yaml.toString();
  }
}
