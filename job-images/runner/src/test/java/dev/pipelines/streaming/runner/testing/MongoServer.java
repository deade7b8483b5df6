package dev.pipelines.streaming.runner.testing;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * A MongoDB-wire-compatible server on 127.0.0.1: FerretDB 1.x (built from the Go module proxy by
 * {@code test-support/ferretdb/build.sh}) storing its documents in the suite's real PostgreSQL
 * ({@link PostgresServer}). Debian ships no mongod. FerretDB passes the client's user name and
 * password through to PostgreSQL, whose trust authentication accepts them, so credentials travel
 * the whole path a real deployment's do. One per test run.
 *
 * <p>FerretDB 1.24 keeps one PostgreSQL connection per update of a bulk write that matched a
 * document until the whole command ends ({@code defer closer.Close()} inside the loop of
 * {@code handler/msg_update.go}); a bulk replacing more existing documents than its pool holds
 * (50) waits for a connection forever, and every later operation with it. MongoDB has no such
 * limit. Tests whose replays replace existing documents keep bulks small with the sink's
 * {@code options: {maxBatchSize: ...}}.
 *
 * <p>Tests call {@link #sharedOrSkip()}: skipped when the binary is missing, unless
 * {@code REQUIRE_MONGODB=1} (CI), where a missing binary fails the test.
 */
public final class MongoServer implements AutoCloseable {
  private static MongoServer shared;

  private final Path binary;
  private final Path dir;
  private final int port;
  private Process process;

  private MongoServer(Path binary, Path dir, int port) {
    this.binary = binary;
    this.dir = dir;
    this.port = port;
  }

  public static synchronized MongoServer sharedOrSkip() {
    if (shared == null) {
      String binary = System.getProperty("ferretdb.binary");
      boolean present = binary != null && Files.isExecutable(Path.of(binary));
      Assumptions.assumeTrue(present || "1".equals(System.getenv("REQUIRE_MONGODB")),
          "FerretDB not built (test-support/ferretdb/build.sh); REQUIRE_MONGODB=1 makes this a failure");
      if (!present) {
        throw new IllegalStateException("REQUIRE_MONGODB=1 but no FerretDB binary at " + binary
            + ": run test-support/ferretdb/build.sh");
      }
      try {
        shared = start(Path.of(binary), Files.createTempDirectory("ferretdb"));
      } catch (IOException e) {
        throw new IllegalStateException("cannot start FerretDB: " + e.getMessage(), e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  static MongoServer start(Path binary, Path dir) throws IOException {
    PostgresServer.shared().createDatabase("ferretdb");
    MongoServer server = new MongoServer(binary, dir, KafkaBroker.freePort());
    server.launch();
    return server;
  }

  private void launch() throws IOException {
    PostgresServer postgres = PostgresServer.shared();
    Path log = dir.resolve("ferretdb.log");
    process = new ProcessBuilder(binary.toString(),
        "--handler=postgresql",
        "--postgresql-url=postgres://127.0.0.1:" + postgres.port() + "/ferretdb",
        "--listen-addr=127.0.0.1:" + port,
        "--debug-addr=127.0.0.1:" + KafkaBroker.freePort(),
        "--state-dir=" + dir,
        "--telemetry=disable",
        "--log-level=warn")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    ServerProcess.awaitListening(process, port, Duration.ofSeconds(60), log, "FerretDB");
  }

  /** A connection string with the given credentials (PostgreSQL's user, any password under trust). */
  public String uri(String user, String password) {
    return "mongodb://" + user + ":" + password + "@127.0.0.1:" + port + "/?authMechanism=PLAIN";
  }

  /** The connection string a spec writes: no credentials. */
  public String uriWithoutCredentials() {
    return "mongodb://127.0.0.1:" + port + "/?authMechanism=PLAIN";
  }

  /** A client for assertions, as the pipeline's user. */
  public MongoClient client() {
    return MongoClients.create(uri("postgres", "unused"));
  }

  @Override
  public synchronized void close() {
    ServerProcess.stop(process);
  }
}
