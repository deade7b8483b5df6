package dev.pipelines.streaming.runner.http;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * Cuts a micro-batch's rows (JSON texts, in a fixed order) into request bodies as they stream
 * by: JSON arrays of at most {@code maxRows} elements and {@code maxBytes} bytes (UTF-8). Each
 * body knows the indexes of its first and last row, which go into its idempotency key.
 */
final class HttpRequests {
  /** One request body and the batch indexes of its first and last row. */
  record Body(int firstRow, int lastRow, String json) {}

  /** What receives each body as soon as it is full. */
  interface Sender {
    void send(Body body) throws InterruptedException;
  }

  private HttpRequests() {}

  /** A row that cannot fit in any request. */
  static final class RowTooLarge extends RuntimeException {
    RowTooLarge(String message) {
      super(message);
    }
  }

  /**
   * Sends every element, in bodies; throws {@link RowTooLarge} for an element that
   * alone exceeds {@code maxBytes} (the bodies before it have been sent).
   */
  static void cut(Iterator<String> elements, int maxRows, int maxBytes, Sender sender) throws InterruptedException {
    StringBuilder json = new StringBuilder("[");
    int bytes = 2;
    int first = 0;
    int count = 0;
    for (int i = 0; elements.hasNext(); i++) {
      String element = elements.next();
      int size = element.getBytes(StandardCharsets.UTF_8).length;
      if (size + 2 > maxBytes) {
        throw new RowTooLarge("row " + i + " is " + size + " bytes as JSON, more than maxBytesPerRequest (" + maxBytes + ")");
      }
      if (count > 0 && (count == maxRows || bytes + 1 + size > maxBytes)) {
        sender.send(new Body(first, i - 1, json.append(']').toString()));
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
      sender.send(new Body(first, first + count - 1, json.append(']').toString()));
    }
  }
}
