package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the machine's binaries (initdb/pg_ctl), in a temp directory,
 * on 127.0.0.1 and a free port, trust authentication. PostgreSQL refuses to run as root, so
 * as root it runs as the {@code postgres} user the Debian package creates. One per test run.
 */
public final class PostgresServer implements AutoCloseable {
  private static PostgresServer shared;

  private final Path bin;
  private final Path data;
  private final int port;
  private final boolean asPostgresUser;

  private PostgresServer(Path bin, Path data, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.data = data;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  public static synchronized PostgresServer shared() {
    if (shared == null) {
      try {
        shared = start();
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException("cannot start PostgreSQL: " + e.getMessage(), e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
    }
    return shared;
  }

  static PostgresServer start() throws IOException, InterruptedException {
    Path bin = findBinaries();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("postgres");
    Path data = dir.resolve("data");
    int port = KafkaBroker.freePort();
    PostgresServer server = new PostgresServer(bin, data, port, root);
    if (root) {
      run(List.of("chown", "-R", "postgres", dir.toString()), dir);
    }
    server.pg(dir, "initdb", "-D", data.toString(), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale");
    server.pg(dir, "pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
        "-o", "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off", "start");
    return server;
  }

  /** The port PostgreSQL listens on, at 127.0.0.1. */
  public int port() {
    return port;
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=postgres";
  }

  /** A fresh, empty database for one test. */
  public String createDatabase(String name) {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"))) {
      c.createStatement().execute("DROP DATABASE IF EXISTS " + name);
      c.createStatement().execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return jdbcUrl(name);
  }

  /** Each row of the result as its values joined by single spaces. */
  public static List<String> query(String url, String sql) throws SQLException {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); ResultSet rs = c.createStatement().executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          values.add(String.valueOf(rs.getObject(i)));
        }
        rows.add(String.join(" ", values));
      }
    }
    return rows;
  }

  /** The single number a query returns, or -1 while its table does not exist yet. */
  public static long count(String url, String sql) {
    try {
      return Long.parseLong(query(url, sql).get(0));
    } catch (SQLException | RuntimeException tableNotThereYet) {
      return -1;
    }
  }

  @Override
  public void close() {
    try {
      pg(data.getParent(), "pg_ctl", "-D", data.toString(), "-m", "immediate", "stop");
    } catch (IOException | InterruptedException | IllegalStateException e) {
      // best effort at JVM exit
    }
  }

  private void pg(Path dir, String tool, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asPostgresUser) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin.resolve(tool).toString());
    command.addAll(Arrays.asList(args));
    run(command, dir);
  }

  private static void run(List<String> command, Path dir) throws IOException, InterruptedException {
    Path log = Files.createTempFile("pg-command", ".log");
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log));
    }
  }

  /** PG_BIN, else the newest /usr/lib/postgresql/N/bin (Debian's layout). */
  private static Path findBinaries() {
    String env = System.getenv("PG_BIN");
    if (env != null) {
      return Path.of(env);
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
          .orElseThrow();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("PostgreSQL binaries not found: install postgresql (apt-get install postgresql)"
          + " or set PG_BIN to the directory holding initdb and pg_ctl");
    }
  }
}
