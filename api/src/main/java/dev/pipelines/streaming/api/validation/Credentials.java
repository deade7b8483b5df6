package dev.pipelines.streaming.api.validation;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises secrets written into a spec, which must only ever hold references
 * ({@code secretKeyRef}): settings named like credentials, and JDBC URLs that carry a password.
 */
public final class Credentials {
  private static final Pattern SECRET_WORD =
      Pattern.compile("password|passwd|secret|token|credential|keytab|jaas|privatekey");
  /** Whole name segments that mean a key or signature: fs.s3a.access.key, fs.azure.account.key.*, fs.azure.sas.* */
  private static final Set<String> SECRET_SEGMENTS = java.util.Set.of("key", "pwd", "sas");
  /** {@code jdbc:postgresql://user:password@host/db}: the authority's user-info part with a password. */
  private static final Pattern URL_USER_INFO = Pattern.compile("^jdbc:[a-z0-9]+://[^/?#@]*:[^/?#@]*@", Pattern.CASE_INSENSITIVE);
  private static final Pattern URL_PARAMETER = Pattern.compile("[?&;]([^=&;?]+)=");

  private Credentials() {}

  /** True when a setting's name says it holds a password, key, token or other credential. */
  public static boolean isCredentialKey(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return SECRET_WORD.matcher(lower).find()
        || Arrays.stream(lower.split("[.\\-_]")).anyMatch(SECRET_SEGMENTS::contains);
  }

  /** Headers that carry credentials by their name: Authorization, Proxy-Authorization, X-Api-Key, *-Token, ... */
  public static boolean isCredentialHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return lower.contains("authorization") || lower.contains("cookie") || lower.contains("signature")
        || lower.replace('-', '.').matches(".*\\bapi.?key\\b.*") || isCredentialKey(lower);
  }

  /** URL parameters that carry a credential beyond {@link #isCredentialKey}: API keys, signatures, codes. */
  private static final Pattern URL_SECRET_PARAMETER =
      Pattern.compile("(?i)api.?key|sig|signature|x-amz-signature|x-goog-signature|code|auth|access.?token|key");
  /** Webhook services whose URL path is itself the token. */
  private static final Pattern TOKEN_IN_PATH = Pattern.compile(
      "(?i)^https?://(hooks\\.slack\\.com/|(discord|discordapp)\\.com/api/webhooks/|[^/]*\\.webhook\\.office\\.com/"
          + "|[^/]*\\.logic\\.azure\\.com/.*[?&]sig=|chat\\.googleapis\\.com/v1/spaces/.*[?&]token=)");

  /**
   * Where an http(s) URL carries a credential: "user info before @", a parameter named like one
   * (token, key, sig, ...), or a webhook service whose path is the token (Slack, Discord, Teams).
   */
  public static Optional<String> inUrl(String url) {
    if (url.matches("(?i)^https?://[^/?#@]*@.*")) {
      return Optional.of("user info before @");
    }
    if (TOKEN_IN_PATH.matcher(url).find()) {
      return Optional.of("a webhook URL whose path is its token");
    }
    return credentialParameter(url, name -> isCredentialKey(name) || URL_SECRET_PARAMETER.matcher(name).matches());
  }

  /** "parameter '<name>'" for the first URL parameter whose name {@code secret} accepts. */
  private static Optional<String> credentialParameter(String url, java.util.function.Predicate<String> secret) {
    Matcher m = URL_PARAMETER.matcher(url);
    while (m.find()) {
      if (secret.test(m.group(1))) {
        return Optional.of("parameter '" + m.group(1) + "'");
      }
    }
    return Optional.empty();
  }

  /**
   * Where a MongoDB connection string carries a credential: "user info before @" (user names and
   * passwords go in the sink's user and password fields) or a parameter named like one.
   */
  public static Optional<String> inMongoUri(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    if (uri.contains("@")) {
      return Optional.of("user info before @");
    }
    return credentialParameter(uri, name -> isCredentialKey(name) || name.equalsIgnoreCase("authMechanismProperties"));
  }

  /**
   * Where a JDBC URL carries a credential: "a password in user:password@" or "parameter 'password'".
   * Never the value itself, so the message can be shown anywhere.
   */
  public static Optional<String> inJdbcUrl(String url) {
    if (url == null) {
      return Optional.empty();
    }
    if (URL_USER_INFO.matcher(url).find()) {
      return Optional.of("a password in user:password@");
    }
    return credentialParameter(url, Credentials::isCredentialKey);
  }
}
