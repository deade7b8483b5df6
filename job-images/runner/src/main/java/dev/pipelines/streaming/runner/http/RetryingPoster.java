package dev.pipelines.streaming.runner.http;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs one JSON body, retrying what a later attempt can fix: a connection error, a timeout,
 * 408, 429 and 5xx, after {@code backoff} doubled each time (at most 30 s), or the answer's
 * {@code Retry-After} seconds (at most 5 minutes). Any other answer outside 2xx fails at once:
 * the receiver refused the request, and sending it again would not change its mind.
 */
final class RetryingPoster {
  private static final Logger LOG = LoggerFactory.getLogger(RetryingPoster.class);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

  private final HttpClient client;
  private final URI uri;
  private final String shownUri;
  private final Map<String, String> headers;
  private final Duration timeout;
  private final int retries;
  private final Duration backoff;

  /**
   * @param shownUri the endpoint as messages show it (without a secret URL's path and query)
   * @param headers every header but Content-Type and Idempotency-Key
   */
  RetryingPoster(HttpClient client, URI uri, String shownUri, Map<String, String> headers, Duration timeout, int retries,
      Duration backoff) {
    this.client = client;
    this.uri = uri;
    this.shownUri = shownUri;
    this.headers = Map.copyOf(headers);
    this.timeout = timeout;
    this.retries = retries;
    this.backoff = backoff;
  }

  /** Delivers the body; throws {@link DeliveryException} with the last answer when it cannot. */
  void post(String body, String idempotencyKey) throws InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", idempotencyKey)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    Duration wait = backoff;
    String last = null;
    for (int attempt = 1; attempt <= retries + 1; attempt++) {
      Optional<Duration> retryAfter = Optional.empty();
      try {
        HttpResponse<String> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        int status = answer.statusCode();
        if (status >= 200 && status < 300) {
          return;
        }
        last = "answered " + status + snippet(answer.body());
        if (!(status == 408 || status == 429 || status >= 500)) {
          throw new DeliveryException("POST " + shownUri + " (Idempotency-Key " + idempotencyKey + ") " + last
              + "; a refused request is not retried");
        }
        retryAfter = answer.headers().firstValue("Retry-After").flatMap(RetryingPoster::seconds);
      } catch (IOException e) { // includes HttpTimeoutException
        last = "failed: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      }
      if (attempt <= retries) {
        Duration pause = retryAfter.map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d).orElse(wait);
        LOG.warn("POST {} (Idempotency-Key {}) {}; attempt {} of {}, next in {} ms", shownUri, idempotencyKey, last,
            attempt, retries + 1, pause.toMillis());
        Thread.sleep(pause.toMillis());
        wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
      }
    }
    throw new DeliveryException("POST " + shownUri + " (Idempotency-Key " + idempotencyKey + ") " + last + " after "
        + (retries + 1) + (retries == 0 ? " attempt" : " attempts"));
  }

  private static Optional<Duration> seconds(String retryAfter) {
    try {
      return Optional.of(Duration.ofSeconds(Long.parseLong(retryAfter.trim())));
    } catch (NumberFormatException httpDate) {
      return Optional.empty(); // an HTTP date: the usual backoff will do
    }
  }

  private static String snippet(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    String line = body.strip().replaceAll("\\s+", " ");
    return ": " + (line.length() > 200 ? line.substring(0, 200) + "..." : line);
  }

  /** The endpoint did not take a request; the message says which, and its last answer. */
  static final class DeliveryException extends RuntimeException {
    DeliveryException(String message) {
      super(message);
    }
  }
}
