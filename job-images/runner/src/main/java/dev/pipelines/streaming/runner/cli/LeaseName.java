package dev.pipelines.streaming.runner.cli;

import java.io.PrintWriter;
import java.util.regex.Pattern;

/** {@code --lease NAMESPACE/NAME}: a Lease's namespace and name, both DNS labels/subdomains. */
record LeaseName(String namespace, String name) {
  static final LeaseName INVALID = new LeaseName("", "");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?");

  /** Null when no Lease was asked for, {@link #INVALID} (after saying why) when it is malformed. */
  static LeaseName parse(String value, PrintWriter err) {
    if (value == null || value.isBlank()) {
      return null;
    }
    int slash = value.indexOf('/');
    if (slash < 0 || !NAMESPACE.matcher(value.substring(0, slash)).matches()
        || !NAME.matcher(value.substring(slash + 1)).matches()) {
      err.println("--lease: '" + value + "' is not NAMESPACE/NAME (lowercase letters, digits, '-'; a name may also"
          + " hold '.')");
      err.flush();
      return INVALID;
    }
    return new LeaseName(value.substring(0, slash), value.substring(slash + 1));
  }
}
