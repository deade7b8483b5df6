package dev.pipelines.streaming.api.model;

/**
 * The word {@code off} for settings that take a duration or {@code off}. YAML 1.1 (SnakeYAML
 * locally, and kubectl's converter) reads an unquoted {@code off} (also {@code no}, {@code false})
 * as the boolean false, which reaches a string field as {@code "false"}; both spellings mean off.
 */
public final class OffSwitch {
  /** The canonical spelling. */
  public static final String OFF = "off";

  private OffSwitch() {}

  /** {@code value} with {@code off} in its canonical spelling; null stays null. */
  public static String normalize(String value) {
    if (value == null) {
      return null;
    }
    String v = value.strip();
    return v.equalsIgnoreCase(OFF) || v.equalsIgnoreCase("false") || v.equalsIgnoreCase("no") ? OFF : value;
  }
}
