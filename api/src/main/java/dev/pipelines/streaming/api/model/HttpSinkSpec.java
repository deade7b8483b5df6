package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/**
 * POSTs each micro-batch's rows as JSON to an HTTP endpoint (a webhook, an incident tool,
 * Alertmanager), in requests of at most {@link #maxRowsPerRequest} rows and
 * {@link #maxBytesPerRequest} bytes, each with an {@code Idempotency-Key} header
 * ({@code <pipeline>/<sink>/<query id>/<batchId>/<first>-<last row>/<body hash>}) that a replay
 * of the same rows repeats: delivery is at least once, and receivers drop replays by that key.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HttpSinkSpec(
    @JsonPropertyDescription("The endpoint, http:// or https://; one holding a token goes in urlFrom.") String url,
    @JsonPropertyDescription("The endpoint from a Secret or environment variable (e.g. a chat webhook URL with its token).")
    ValueFrom urlFrom,
    @JsonPropertyDescription("json (default): a JSON array of row objects; alertmanager: Alertmanager API v2 alerts.")
    Format format,
    @JsonPropertyDescription("Extra request headers; credentials only by reference (secretKeyRef or env).")
    Map<String, HeaderValue> headers,
    @JsonPropertyDescription("Rows per request, at most (default 500).") Integer maxRowsPerRequest,
    @JsonPropertyDescription("Bytes per request body, at most (default 1048576).") Integer maxBytesPerRequest,
    @JsonPropertyDescription("Time to wait for each answer, e.g. 10s (default).") String timeout,
    @JsonPropertyDescription("Retries of a request after a connection error, a timeout, 408, 409, 429 or 5xx (default 3).")
    Integer retries,
    @JsonPropertyDescription("Wait before the first retry, doubled each time up to 30s (default 1s); an answer's "
        + "Retry-After in seconds is honoured (up to 5m).") String retryBackoff,
    @JsonPropertyDescription("How rows become alerts, with format: alertmanager.") AlertmanagerSpec alertmanager,
    @JsonPropertyDescription("fail (default): a request still failing after its retries fails the query, and the "
        + "batch replays on restart. deadLetter: its rows go to the pipeline's Kafka dead-letter sink and the batch "
        + "goes on.") DeliveryFailure onDeliveryFailure) {

  public static final int DEFAULT_MAX_ROWS = 500;
  public static final int DEFAULT_MAX_BYTES = 1 << 20;
  public static final String DEFAULT_TIMEOUT = "10s";
  public static final int DEFAULT_RETRIES = 3;
  public static final String DEFAULT_RETRY_BACKOFF = "1s";

  public DeliveryFailure onDeliveryFailureOrDefault() {
    return onDeliveryFailure == null ? DeliveryFailure.FAIL : onDeliveryFailure;
  }

  /** What a request that still fails after its retries does. */
  public enum DeliveryFailure {
    @JsonProperty("fail") FAIL,
    @JsonProperty("deadLetter") DEAD_LETTER
  }

  public Format formatOrDefault() {
    return format == null ? Format.JSON : format;
  }

  public Map<String, HeaderValue> headersOrEmpty() {
    return headers == null ? Map.of() : headers;
  }

  public int maxRowsPerRequestOrDefault() {
    return maxRowsPerRequest == null ? DEFAULT_MAX_ROWS : maxRowsPerRequest;
  }

  public int maxBytesPerRequestOrDefault() {
    return maxBytesPerRequest == null ? DEFAULT_MAX_BYTES : maxBytesPerRequest;
  }

  public String timeoutOrDefault() {
    return timeout == null ? DEFAULT_TIMEOUT : timeout;
  }

  public int retriesOrDefault() {
    return retries == null ? DEFAULT_RETRIES : retries;
  }

  public String retryBackoffOrDefault() {
    return retryBackoff == null ? DEFAULT_RETRY_BACKOFF : retryBackoff;
  }

  public enum Format {
    @JsonProperty("json") JSON,
    @JsonProperty("alertmanager") ALERTMANAGER
  }

  /**
   * A header's value: plain text ({@code value}), or by reference ({@code secretKeyRef},
   * {@code env}) with an optional {@code prefix} such as {@code "Bearer "}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record HeaderValue(
      @JsonPropertyDescription("Plain value; refused for credential headers (Authorization, *token*, *key*, ...).")
      String value,
      @JsonPropertyDescription("A key of a Secret in the pipeline's namespace.") SecretKeyRef secretKeyRef,
      @JsonPropertyDescription("Name of an environment variable holding the value.") String env,
      @JsonPropertyDescription("Text before a referenced value, e.g. \"Bearer \".") String prefix) {

    /** The reference, when the value is one. */
    public ValueFrom reference() {
      return secretKeyRef == null && env == null ? null : new ValueFrom(secretKeyRef, env);
    }
  }

  /**
   * Alertmanager API v2 alerts ({@code POST /api/v2/alerts}): one per row, labelled
   * {@code alertname} plus the {@code labels} columns (Alertmanager groups and deduplicates by
   * labels), annotated with the {@code annotations} columns, starting at {@code startsAt}.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record AlertmanagerSpec(
      @JsonPropertyDescription("The alertname label, e.g. PageViewSpike.") String alertname,
      @JsonPropertyDescription("Columns whose values become labels, e.g. [page].")
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      List<String> labels,
      @JsonPropertyDescription("Columns whose values become annotations, e.g. [views, score].")
      @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
      List<String> annotations,
      @JsonPropertyDescription("Timestamp column for startsAt (default: the time the batch is sent).") String startsAt,
      @JsonPropertyDescription("endsAt = startsAt + this, e.g. 15m (default: Alertmanager's resolve_timeout).")
      String resolveAfter,
      @JsonPropertyDescription("Link back to the source of the alert, e.g. a dashboard URL.") String generatorURL) {

    public List<String> labelsOrEmpty() {
      return labels == null ? List.of() : labels;
    }

    public List<String> annotationsOrEmpty() {
      return annotations == null ? List.of() : annotations;
    }
  }
}
