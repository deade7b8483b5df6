package dev.pipelines.streaming.operator.dashboard;

import com.sun.net.httpserver.HttpExchange;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Who may see the dashboard. It shows every watched namespace's pipelines and their status
 * messages, while the port it shares with /metrics is open to whatever scrapes metrics. So by
 * default only loopback clients see it ({@code kubectl port-forward} arrives on the pod's
 * loopback); with a token, any client presenting {@code Authorization: Bearer <token>}.
 */
public final class DashboardAccess {
  private final byte[] token;

  private DashboardAccess(String token) {
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
  }

  /** @param token the bearer token clients must present, or null for loopback clients only */
  public static DashboardAccess of(String token) {
    return new DashboardAccess(token == null || token.isBlank() ? null : token);
  }

  /** Loopback clients only (the default). */
  public static DashboardAccess loopbackOnly() {
    return new DashboardAccess(null);
  }

  /** Null when the request may see the dashboard, else the reason it may not. */
  public String refusal(HttpExchange exchange) {
    return refusal(exchange.getRemoteAddress().getAddress(), exchange.getRequestHeaders().getFirst("Authorization"));
  }

  /**
   * @param client the client's address
   * @param header its Authorization header, or null
   * @return null when it may see the dashboard, else why not
   */
  public String refusal(InetAddress client, String header) {
    if (token != null) {
      byte[] presented = header == null || !header.startsWith("Bearer ") ? new byte[0]
          : header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8);
      return MessageDigest.isEqual(presented, token) ? null : "a bearer token is required (Authorization: Bearer ...)";
    }
    return client != null && client.isLoopbackAddress() ? null
        : "the dashboard answers loopback clients only: use kubectl port-forward, or start the operator with --dashboard-token-file";
  }
}
