package dev.pipelines.streaming.runner.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
  private final HttpBatchWriter.HttpEndpoint endpoint;
  private final Duration timeout;
  private final int retries;
  private final Duration backoff;

  RetryingPoster(HttpClient client, HttpBatchWriter.HttpEndpoint endpoint, Duration timeout, int retries, Duration backoff) {
    this.client = client;
    this.endpoint = endpoint;
    this.timeout = timeout;
    this.retries = retries;
    this.backoff = backoff;
  }

  /** Delivers the body; throws {@link DeliveryException} with the last answer when it cannot. */
  void post(String body, String idempotencyKey) throws InterruptedException {
    String what = "POST " + endpoint.shownUri() + " (Idempotency-Key " + idempotencyKey + ")";
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.uri()).timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body));
    try {
      endpoint.headers().forEach(request::setHeader);
    } catch (IllegalArgumentException e) { // checked before start; the JDK's message would show the value
      throw new DeliveryException(what + ": a header value cannot be sent");
    }
    request.setHeader("Content-Type", "application/json").setHeader("Idempotency-Key", idempotencyKey);
    Duration wait = backoff;
    String last = null;
    for (int attempt = 1; attempt <= retries + 1; attempt++) {
      Optional<Duration> retryAfter = Optional.empty();
      try {
        HttpResponse<InputStream> answer = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        int status = answer.statusCode();
        String snippet = snippet(answer.body());
        if (status >= 200 && status < 300) {
          return;
        }
        last = "answered " + status + endpoint.masked(snippet);
        if (status >= 300 && status < 400) {
          throw new DeliveryException(what + " " + last + "; redirects are not followed: set the final URL");
        }
        // 409: a request with this key is still in flight at the receiver (often our own, timed out)
        if (!(status == 408 || status == 409 || status == 429 || status >= 500)) {
          throw new DeliveryException(what + " " + last + "; a refused request is not retried");
        }
        retryAfter = answer.headers().firstValue("Retry-After").flatMap(RetryingPoster::seconds);
      } catch (IOException e) { // includes HttpTimeoutException
        last = "failed: " + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : ": " + endpoint.masked(e.getMessage()));
      }
      if (attempt <= retries) {
        Duration pause = retryAfter.map(d -> d.compareTo(MAX_RETRY_AFTER) > 0 ? MAX_RETRY_AFTER : d).orElse(wait);
        LOG.warn("{} {}; attempt {} of {}, next in {} ms", what, last, attempt, retries + 1, pause.toMillis());
        Thread.sleep(pause.toMillis());
        wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
      }
    }
    throw new DeliveryException(what + " " + last + " after " + (retries + 1) + (retries == 0 ? " attempt" : " attempts"));
  }

  private static Optional<Duration> seconds(String retryAfter) {
    try {
      return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(retryAfter.trim()))));
    } catch (NumberFormatException httpDate) {
      return Optional.empty(); // an HTTP date: the usual backoff will do
    }
  }

  /** The answer's first 200 characters, read no further (a huge or endless body must not hold the batch). */
  private static String snippet(InputStream body) {
    try (InputStream in = body) {
      String text = new String(in.readNBytes(800), java.nio.charset.StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
      return text.isEmpty() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    } catch (IOException e) {
      return "";
    }
  }

  /** The endpoint did not take a request; the message says which, and its last answer. */
  static final class DeliveryException extends RuntimeException {
    DeliveryException(String message) {
      super(message);
    }
  }
}
