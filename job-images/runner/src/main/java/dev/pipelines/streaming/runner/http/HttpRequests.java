package dev.pipelines.streaming.runner.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a micro-batch's rows (JSON texts, in a fixed order) into request bodies: JSON arrays of
 * at most {@code maxRows} elements and {@code maxBytes} bytes (UTF-8). Each body remembers the
 * index of its first row, which makes its idempotency key.
 */
final class HttpRequests {
  /** One request body and the batch index of its first row. */
  record Body(int firstRow, int rows, String json) {}

  private HttpRequests() {}

  /** The bodies; throws {@link IllegalArgumentException} for a row that alone exceeds {@code maxBytes}. */
  static List<Body> cut(List<String> elements, int maxRows, int maxBytes) {
    List<Body> bodies = new ArrayList<>();
    StringBuilder json = new StringBuilder("[");
    int bytes = 2;
    int first = 0;
    int count = 0;
    for (int i = 0; i < elements.size(); i++) {
      String element = elements.get(i);
      int size = element.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      if (size + 2 > maxBytes) {
        throw new IllegalArgumentException("row " + i + " is " + size + " bytes as JSON, more than maxBytesPerRequest ("
            + maxBytes + ")");
      }
      if (count > 0 && (count == maxRows || bytes + 1 + size > maxBytes)) {
        bodies.add(new Body(first, count, json.append(']').toString()));
        json = new StringBuilder("[");
        bytes = 2;
        first = i;
        count = 0;
      }
      if (count > 0) {
        json.append(',');
        bytes++;
      }
      json.append(element);
      bytes += size;
      count++;
    }
    if (count > 0) {
      bodies.add(new Body(first, count, json.append(']').toString()));
    }
    return bodies;
  }
}
