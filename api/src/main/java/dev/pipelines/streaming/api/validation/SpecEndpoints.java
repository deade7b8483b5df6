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
 * (sources and sinks), HTTP sink URLs, JDBC URLs, MongoDB URIs, socket sources and the S3A
 * endpoints of {@code spec.sparkConf}. Hosts read from a Secret ({@code urlFrom}) are not here:
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
   */
  public record Endpoint(String path, String host) {}

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
        add(all, path + ".socket.host", s.socket().host());
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

  private static final Pattern JDBC_AUTHORITY = Pattern.compile("^jdbc:[a-z0-9:+-]*?//([^/?;]*)", Pattern.CASE_INSENSITIVE);
  private static final Pattern ORACLE_THIN = Pattern.compile("^jdbc:oracle:thin:[^@]*@(?://)?([^/:?;]+)", Pattern.CASE_INSENSITIVE);

  /** {@code jdbc:<driver>://host[:port][,host2…]/…} and Oracle's {@code jdbc:oracle:thin:@host:port…}. */
  private static void jdbc(List<Endpoint> all, String path, String url) {
    if (url == null) {
      return;
    }
    Matcher m = JDBC_AUTHORITY.matcher(url.strip());
    if (m.find()) {
      authority(all, path, m.group(1));
      return;
    }
    Matcher oracle = ORACLE_THIN.matcher(url.strip());
    if (oracle.find()) {
      add(all, path, oracle.group(1));
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
      String host = URI.create(url.strip()).getHost();
      add(all, path, host);
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
      add(all, path, close < 0 ? s.substring(1) : s.substring(1, close));
    } else if (s.indexOf(':') != s.lastIndexOf(':')) {
      add(all, path, s); // more than one colon: an IPv6 address without a port
    } else {
      int colon = s.indexOf(':');
      add(all, path, colon < 0 ? s : s.substring(0, colon));
    }
  }

  private static void add(List<Endpoint> all, String path, String host) {
    if (host == null) {
      return;
    }
    String h = host.strip().toLowerCase(java.util.Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (!h.isEmpty()) {
      all.add(new Endpoint(path, h));
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
