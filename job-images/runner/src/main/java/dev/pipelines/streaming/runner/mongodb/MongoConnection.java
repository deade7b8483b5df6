package dev.pipelines.streaming.runner.mongodb;

import com.mongodb.ConnectionString;
import dev.pipelines.streaming.api.model.MongoDbSinkSpec;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The connection string a MongoDB sink connects with: the spec's {@code uri} (which the validator
 * keeps free of credentials) with the referenced user and password put in as user info,
 * percent-encoded as MongoDB's connection string format requires, and {@code authSource}
 * (default {@code admin}, unless the connection string names one or uses PLAIN).
 * Built before the query starts, so a missing Secret variable or a malformed string fails the start
 * with the field's path; the result holds the password and is never printed.
 */
public final class MongoConnection {
  private MongoConnection() {}

  /**
   * @param path the sink's spec path, e.g. {@code spec.sinks[2].mongodb}
   * @throws PlanningException naming {@code path.uri} when the driver cannot parse the result,
   *     or the user/password path when its variable is unset
   */
  public static String uri(MongoDbSinkSpec spec, SecretResolver secrets, String path) {
    String uri = spec.uri();
    if (spec.user() != null) {
      int scheme = uri.indexOf("://") + 3;
      String user = encode(secrets.value(spec.user(), path + ".user"));
      String password = spec.password() == null ? "" : ":" + encode(secrets.value(spec.password(), path + ".password"));
      uri = uri.substring(0, scheme) + user + password + "@" + uri.substring(scheme);
      if (spec.authSource() != null) {
        uri = withParameter(uri, "authSource", spec.authSource());
      } else if (!uri.toLowerCase(java.util.Locale.ROOT).contains("authsource=")
          && !uri.toLowerCase(java.util.Locale.ROOT).contains("authmechanism=plain")) {
        // Without it the driver would authenticate against the database in the URI's path
        // (PLAIN users live in $external, the driver's default for that mechanism).
        uri = withParameter(uri, "authSource", "admin");
      }
    }
    try {
      new ConnectionString(uri);
    } catch (IllegalArgumentException e) {
      // The driver's message may quote the string; only the spec's own (credential-free) text is shown.
      throw new PlanningException(List.of(Problem.at(path + ".uri",
          "'" + spec.uri() + "' is not a valid MongoDB connection string")));
    }
    return uri;
  }

  private static String withParameter(String uri, String name, String value) {
    String afterHosts = uri.substring(uri.indexOf("://") + 3);
    String separator;
    if (uri.contains("?")) {
      separator = uri.endsWith("?") || uri.endsWith("&") ? "" : "&";
    } else {
      separator = afterHosts.contains("/") ? "?" : "/?";
    }
    return uri + separator + name + "=" + encode(value);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
