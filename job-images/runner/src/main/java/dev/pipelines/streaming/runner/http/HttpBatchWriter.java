package dev.pipelines.streaming.runner.http;

import dev.pipelines.streaming.api.model.HttpSinkSpec;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.runner.spark.StreamingJobProperties;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP sink's micro-batch writer (foreachBatch, on the driver). The batch's rows, as Spark's
 * JSON, are sorted by Spark and streamed to the driver a partition at a time, cut into requests,
 * and each request is delivered or the batch fails, and the query with it, naming the sink and the
 * last answer (Spark replays the batch on restart: at least once); with {@code onDeliveryFailure:
 * deadLetter} the request's rows go to the dead letters ({@link FailedDeliveries}) instead. Each request carries
 * {@code Idempotency-Key: <pipeline>/<sink>/<query id>/<batch id>/<first>-<last row>/<body hash>}:
 * a replay of the same rows repeats it; a new checkpoint (a new query id), other rows or another
 * cut give a new key, so a receiver that drops repeated keys may see a row twice, never lose one.
 */
public final class HttpBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(HttpBatchWriter.class);

  private final String pipeline;
  private final String sink;
  private final HttpSinkSpec spec;
  private final HttpEndpoint endpoint;
  private final FailedDeliveries failed;
  private transient RetryingPoster poster;

  /** @param failed where undeliverable rows go ({@code onDeliveryFailure: deadLetter}); null fails the batch instead */
  public HttpBatchWriter(String pipeline, String sink, HttpSinkSpec spec, HttpEndpoint endpoint, FailedDeliveries failed) {
    this.pipeline = pipeline;
    this.sink = sink;
    this.spec = spec;
    this.endpoint = endpoint;
    this.failed = failed;
  }

  @Override
  public void call(Dataset<Row> batch, Long batchId) throws InterruptedException {
    String queryId = String.valueOf(batch.sparkSession().sparkContext().getLocalProperty(StreamingJobProperties.QUERY_ID));
    Iterator<String> sorted = batch.toJSON().sort("value").toLocalIterator(); // a fixed order, a partition at a time
    // The rows of the request being filled (and the one row that may start the next), for the dead letters.
    List<String> pending = new ArrayList<>();
    int[] pendingFirst = {0};
    Iterator<String> rows = new Iterator<>() {
      @Override
      public boolean hasNext() {
        return sorted.hasNext();
      }

      @Override
      public String next() {
        String row = sorted.next();
        pending.add(row);
        return row;
      }
    };
    Iterator<String> elements = rows;
    if (spec.formatOrDefault() == HttpSinkSpec.Format.ALERTMANAGER) {
      Instant now = Instant.now();
      elements = new Iterator<>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public String next() {
          return AlertmanagerAlerts.alert(spec.alertmanager(), rows.next(), now);
        }
      };
    }
    String prefix = pipeline + "/" + sink + "/" + queryId + "/" + batchId + "/";
    try {
      HttpRequests.cut(elements, spec.maxRowsPerRequestOrDefault(), spec.maxBytesPerRequestOrDefault(), body -> {
        List<String> bodyRows = pending.subList(0, body.lastRow() - pendingFirst[0] + 1);
        try {
          poster().post(body.json(), prefix + body.firstRow() + "-" + body.lastRow() + "/" + hash(body.json()));
        } catch (RetryingPoster.DeliveryException e) {
          if (failed == null) {
            throw e;
          }
          failed.write(batch.sparkSession(), pipeline, sink, List.copyOf(bodyRows), e.getMessage());
          LOG.warn("[{}] batch {}: rows {}-{} not delivered ({}); sent to the dead letters", sink, batchId,
              body.firstRow(), body.lastRow(), e.getMessage());
        }
        bodyRows.clear();
        pendingFirst[0] = body.lastRow() + 1;
      });
    } catch (HttpRequests.RowTooLarge e) {
      throw new RetryingPoster.DeliveryException("sink " + sink + ", batch " + batchId + ": " + e.getMessage());
    }
  }

  /** The first 12 hex digits of the body's SHA-256: other content, another key. */
  static String hash(String body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private RetryingPoster poster() {
    if (poster == null) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Durations.require(spec.timeoutOrDefault()))
          .followRedirects(HttpClient.Redirect.NEVER).build();
      poster = new RetryingPoster(client, endpoint, Durations.require(spec.timeoutOrDefault()), spec.retriesOrDefault(),
          Durations.require(spec.retryBackoffOrDefault()));
    }
    return poster;
  }

  /** The URL and headers with their references resolved, how messages show the URL, and the values never to show. */
  public record HttpEndpoint(URI uri, String shownUri, Map<String, String> headers, List<String> secrets)
      implements java.io.Serializable {
    /** The text with every secret value replaced by ***. */
    public String masked(String text) {
      String out = text;
      for (String s : secrets) {
        if (s != null && s.length() >= 4) {
          out = out.replace(s, "***");
        }
      }
      return out;
    }
  }
}
