package dev.pipelines.streaming.operator.dashboard;

import org.apache.commons.text.StringEscapeUtils;

/** Everything users wrote (names, messages) goes through here before it reaches a page. */
final class Html {
  private Html() {}

  static String escape(String s) {
    return s == null ? "" : StringEscapeUtils.escapeHtml4(s);
  }
}
