package dev.pipelines.streaming.runner.http;

import dev.pipelines.streaming.api.model.HttpSinkSpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The HTTP sink's micro-batch writer (foreachBatch, on the driver). The batch's rows, as Spark's
 * JSON, are sorted, so a replayed batch with the same rows is cut into the same requests with
 * the same {@code Idempotency-Key: <pipeline>/<sink>/<batchId>/<first row index>}; each request
 * is delivered or the batch fails, and the query with it, naming the sink and the last answer
 * (Spark then replays the batch on restart: at least once). Runs on the driver: keep batches
 * moderate (maxOffsetsPerTrigger), as a webhook's load should be.
 */
public final class HttpBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private final String pipeline;
  private final String sink;
  private final HttpSinkSpec spec;
  private final String url;
  private final Map<String, String> headers;
  private transient RetryingPoster poster;

  /**
   * @param url the endpoint, resolved from {@code url} or {@code urlFrom}
   * @param headers the extra headers with references resolved
   */
  public HttpBatchWriter(String pipeline, String sink, HttpSinkSpec spec, String url, Map<String, String> headers) {
    this.pipeline = pipeline;
    this.sink = sink;
    this.spec = spec;
    this.url = url;
    this.headers = Map.copyOf(headers);
  }

  @Override
  public void call(Dataset<Row> batch, Long batchId) throws InterruptedException {
    List<String> rows = new ArrayList<>(batch.toJSON().collectAsList());
    rows.sort(null); // a fixed order: a replayed batch gets the same requests and keys
    List<String> elements = rows;
    if (spec.formatOrDefault() == HttpSinkSpec.Format.ALERTMANAGER) {
      Instant now = Instant.now();
      elements = rows.stream().map(r -> AlertmanagerAlerts.alert(spec.alertmanager(), r, now)).toList();
    }
    List<HttpRequests.Body> bodies;
    try {
      bodies = HttpRequests.cut(elements, spec.maxRowsPerRequestOrDefault(), spec.maxBytesPerRequestOrDefault());
    } catch (IllegalArgumentException e) {
      throw new RetryingPoster.DeliveryException("sink " + sink + ", batch " + batchId + ": " + e.getMessage());
    }
    for (HttpRequests.Body body : bodies) {
      poster().post(body.json(), pipeline + "/" + sink + "/" + batchId + "/" + body.firstRow());
    }
  }

  private RetryingPoster poster() {
    if (poster == null) {
      URI uri = URI.create(url);
      String shown = spec.urlFrom() == null ? url : uri.getScheme() + "://" + uri.getAuthority() + "/... (urlFrom)";
      HttpClient client = HttpClient.newBuilder().connectTimeout(Durations.require(spec.timeoutOrDefault()))
          .followRedirects(HttpClient.Redirect.NEVER).build();
      poster = new RetryingPoster(client, uri, shown, headers, Durations.require(spec.timeoutOrDefault()),
          spec.retriesOrDefault(), Durations.require(spec.retryBackoffOrDefault()));
    }
    return poster;
  }
}
