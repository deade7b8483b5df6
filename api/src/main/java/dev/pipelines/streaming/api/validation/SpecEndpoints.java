package dev.pipelines.streaming.api.validation;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every network host a spec names in plain text, with the field it is in: Kafka brokers
 * (sources and sinks), HTTP sink URLs, JDBC URLs (their {@code host=} parameters too), MongoDB
 * URIs, socket sources, file paths and the checkpoint location on a file system with hosts
 * ({@code hdfs://}, {@code webhdfs://}, {@code http://}, …) and the S3A endpoints of
 * {@code spec.sparkConf}. Hosts read from a Secret ({@code urlFrom}) are not here:
 * the spec does not hold them. Used to check a spec against an admin's egress deny-list before
 * anything starts; a NetworkPolicy is what holds the hosts a spec cannot show.
 */
public final class SpecEndpoints {
  private SpecEndpoints() {}

  /**
   * One host named by a spec.
   *
   * @param path the field, as validation problems name it ({@code spec.sinks[0].http.url})
   * @param host the host as written, lower case, IPv6 without brackets; never empty
   * @param port the port written or implied by the scheme ({@code http} 80, {@code https} 443),
   *     or null when the value names none
   */
  public record Endpoint(String path, String host, Integer port) {}

  /** The hosts of {@code spec}, in spec order; a value whose host cannot be read is left out. */
  public static List<Endpoint> of(PipelineSpec spec) {
    List<Endpoint> all = new ArrayList<>();
    List<SourceSpec> sources = spec.sourcesOrEmpty();
    for (int i = 0; i < sources.size(); i++) {
      SourceSpec s = sources.get(i);
      String path = "spec.sources[" + i + "]";
      if (s == null) {
        continue;
      }
      if (s.kafka() != null) {
        brokers(all, path + ".kafka.bootstrapServers", s.kafka().bootstrapServers());
      }
      if (s.jdbc() != null) {
        jdbc(all, path + ".jdbc.url", s.jdbc().url());
      }
      if (s.socket() != null) {
        add(all, path + ".socket.host", s.socket().host(), s.socket().port());
      }
      if (s.files() != null) {
        fileSystem(all, path + ".files.path", s.files().path());
      }
    }
    List<SinkSpec> sinks = spec.sinksOrEmpty();
    for (int i = 0; i < sinks.size(); i++) {
      SinkSpec s = sinks.get(i);
      String path = "spec.sinks[" + i + "]";
      if (s == null) {
        continue;
      }
      if (s.kafka() != null) {
        brokers(all, path + ".kafka.bootstrapServers", s.kafka().bootstrapServers());
      }
      if (s.jdbc() != null) {
        jdbc(all, path + ".jdbc.url", s.jdbc().url());
      }
      if (s.mongodb() != null) {
        mongo(all, path + ".mongodb.uri", s.mongodb().uri());
      }
      if (s.http() != null && s.http().url() != null) {
        url(all, path + ".http.url", s.http().url());
      }
      if (s.files() != null) {
        fileSystem(all, path + ".files.path", s.files().path());
      }
    }
    if (spec.checkpoint() != null) {
      fileSystem(all, "spec.checkpoint.location", spec.checkpoint().location());
    }
    Map<String, String> conf = spec.sparkConf() == null ? Map.of() : spec.sparkConf();
    conf.forEach((key, value) -> {
      if (key.startsWith("spark.hadoop.fs.s3a.") && key.endsWith(".endpoint") && value != null) {
        String path = "spec.sparkConf[\"" + key + "\"]";
        if (value.contains("://")) {
          url(all, path, value);
        } else {
          hostPort(all, path, value.split("/", 2)[0]);
        }
      }
    });
    return all;
  }

  /** Kafka's {@code bootstrap.servers}: {@code host:port} entries, comma-separated. */
  private static void brokers(List<Endpoint> all, String path, String servers) {
    if (servers == null) {
      return;
    }
    for (String server : servers.split(",")) {
      String s = server.strip();
      int scheme = s.indexOf("://");
      hostPort(all, path, scheme >= 0 ? s.substring(scheme + 3) : s);
    }
  }

  /** Hadoop file systems whose URI authority is a host to connect to (not a bucket or account name). */
  private static final java.util.Set<String> HOST_FILE_SYSTEMS = java.util.Set.of("hdfs", "webhdfs", "swebhdfs", "http",
      "https", "ftp", "sftp", "viewfs", "har");

  private static void fileSystem(List<Endpoint> all, String path, String location) {
    if (location == null) {
      return;
    }
    int scheme = location.indexOf("://");
    if (scheme > 0 && HOST_FILE_SYSTEMS.contains(location.substring(0, scheme).toLowerCase(java.util.Locale.ROOT))) {
      url(all, path, location);
    }
  }

  private static final Pattern JDBC_QUERY_HOST = Pattern.compile("[?&;](?:host|pghost)=([^&;]+)", Pattern.CASE_INSENSITIVE);

  private static final Pattern JDBC_AUTHORITY = Pattern.compile("^jdbc:[a-z0-9:+-]*?//([^/?;]*)", Pattern.CASE_INSENSITIVE);
  private static final Pattern ORACLE_THIN = Pattern.compile("^jdbc:oracle:thin:[^@]*@(?://)?([^/:?;]+)", Pattern.CASE_INSENSITIVE);

  /** {@code jdbc:<driver>://host[:port][,host2…]/…} and Oracle's {@code jdbc:oracle:thin:@host:port…}. */
  private static void jdbc(List<Endpoint> all, String path, String url) {
    if (url == null) {
      return;
    }
    Matcher query = JDBC_QUERY_HOST.matcher(url);
    while (query.find()) {
      for (String h : java.net.URLDecoder.decode(query.group(1), java.nio.charset.StandardCharsets.UTF_8).split(",")) {
        hostPort(all, path, h.strip()); // PostgreSQL's host= parameter overrides the URL's host
      }
    }
    Matcher m = JDBC_AUTHORITY.matcher(url.strip());
    if (m.find()) {
      authority(all, path, m.group(1));
      return;
    }
    Matcher oracle = ORACLE_THIN.matcher(url.strip());
    if (oracle.find()) {
      add(all, path, oracle.group(1), null);
    }
  }

  /** {@code mongodb://[user:pw@]h1[:port],h2…/db} and {@code mongodb+srv://name/…}. */
  private static void mongo(List<Endpoint> all, String path, String uri) {
    if (uri == null) {
      return;
    }
    String s = uri.strip();
    int scheme = s.indexOf("://");
    if (scheme < 0) {
      return;
    }
    String rest = s.substring(scheme + 3);
    int end = firstOf(rest, "/?");
    authority(all, path, end < 0 ? rest : rest.substring(0, end));
  }

  private static void url(List<Endpoint> all, String path, String url) {
    try {
      URI uri = URI.create(url.strip());
      int port = uri.getPort() >= 0 ? uri.getPort()
          : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : "http".equalsIgnoreCase(uri.getScheme()) ? 80 : -1;
      add(all, path, uri.getHost(), port < 0 ? null : port);
    } catch (IllegalArgumentException e) {
      // not a URI: the validator names the field; no host to check
    }
  }

  /** {@code [user[:pw]@]host[:port][,host[:port]…]}. */
  private static void authority(List<Endpoint> all, String path, String authority) {
    String hosts = authority.substring(authority.lastIndexOf('@') + 1);
    for (String h : hosts.split(",")) {
      hostPort(all, path, h.strip());
    }
  }

  /** {@code host}, {@code host:port}, {@code [v6]:port} or a bare IPv6 address. */
  private static void hostPort(List<Endpoint> all, String path, String s) {
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        add(all, path, s.substring(1), null);
      } else {
        add(all, path, s.substring(1, close), port(s.substring(close + 1)));
      }
    } else if (s.indexOf(':') != s.lastIndexOf(':')) {
      // more than one colon: an IPv6 address, perhaps with a port after its last colon (Kafka
      // reads "fd00::1:9092" so): both readings are checked
      add(all, path, s, null);
      add(all, path, s.substring(0, s.lastIndexOf(':')), port(s.substring(s.lastIndexOf(':'))));
    } else {
      int colon = s.indexOf(':');
      add(all, path, colon < 0 ? s : s.substring(0, colon), colon < 0 ? null : port(s.substring(colon)));
    }
  }

  /** {@code :9092} as 9092; null when it is not a port. */
  private static Integer port(String colonPort) {
    String p = colonPort.startsWith(":") ? colonPort.substring(1) : colonPort;
    return p.matches("\\d{1,5}") ? Integer.valueOf(p) : null;
  }

  private static void add(List<Endpoint> all, String path, String host, Integer port) {
    if (host == null) {
      return;
    }
    String h = host.strip().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (!h.isEmpty()) {
      all.add(new Endpoint(path, h, port));
    }
  }

  private static int firstOf(String s, String chars) {
    for (int i = 0; i < s.length(); i++) {
      if (chars.indexOf(s.charAt(i)) >= 0) {
        return i;
      }
    }
    return -1;
  }
}
