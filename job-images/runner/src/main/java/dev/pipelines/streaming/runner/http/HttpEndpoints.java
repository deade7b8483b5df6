package dev.pipelines.streaming.runner.http;

import dev.pipelines.streaming.api.model.HttpSinkSpec;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.runner.http.HttpBatchWriter.HttpEndpoint;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves an HTTP sink's URL and headers before its query starts, and checks what only the
 * resolved values show (a URL from a Secret with a stray newline, a header value with a line
 * break): a problem names the field, never the value, which may be a secret. A URL from
 * {@code urlFrom} is shown as {@code scheme://host:port} only.
 */
public final class HttpEndpoints {
  private HttpEndpoints() {}

  /** The endpoint; a {@link PlanningException} at the field when a value cannot be used. */
  public static HttpEndpoint resolve(HttpSinkSpec h, SecretResolver secrets, String path) {
    List<String> hidden = new ArrayList<>();
    String url = h.url() != null ? h.url() : secrets.value(h.urlFrom(), path + ".urlFrom");
    String urlPath = h.url() != null ? path + ".url" : path + ".urlFrom";
    if (h.urlFrom() != null) {
      hidden.add(url);
    }
    URI uri;
    try {
      uri = new URI(url.strip());
    } catch (URISyntaxException e) {
      throw invalid(urlPath, "is not a URL (" + e.getReason() + ")");
    }
    if (uri.getScheme() == null || !(uri.getScheme().equalsIgnoreCase("http") || uri.getScheme().equalsIgnoreCase("https"))
        || uri.getHost() == null) {
      throw invalid(urlPath, "is not an http:// or https:// URL with a host");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    h.headersOrEmpty().forEach((name, v) -> {
      String hp = path + ".headers[\"" + name + "\"]";
      String value = v.value() != null ? v.value()
          : (v.prefix() == null ? "" : v.prefix()) + secrets.value(v.reference(), hp);
      if (v.reference() != null) {
        hidden.add(value);
        hidden.add(value.substring(v.prefix() == null ? 0 : v.prefix().length()));
      }
      if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f) || !sendable(uri, name, value)) {
        throw invalid(hp, "holds a line break, another control character or a character HTTP headers cannot carry (a "
            + "Secret written from a file keeps its trailing newline: kubectl create secret generic --from-literal, or "
            + "printf without \\n)");
      }
      headers.put(name, value);
    });
    String shown = h.urlFrom() == null ? url
        : uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + "/... (urlFrom)";
    return new HttpEndpoint(uri, shown, headers, hidden);
  }

  /** Whether the JDK's HTTP client takes the header (it refuses characters above 0xFF, among others); never shows why. */
  private static boolean sendable(URI uri, String name, String value) {
    try {
      java.net.http.HttpRequest.newBuilder(uri).setHeader(name, value);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static PlanningException invalid(String path, String message) {
    return new PlanningException(List.of(Problem.at(path, "the value " + message)));
  }
}
