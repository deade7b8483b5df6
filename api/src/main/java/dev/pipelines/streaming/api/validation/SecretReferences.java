package dev.pipelines.streaming.api.validation;

import dev.pipelines.streaming.api.model.KafkaCredentials;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SecretKeyRef;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.model.ValueFrom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The spec's secretKeyRef fields and the environment variables they become. On Kubernetes each
 * reference reaches the driver as {@link ValueFrom#envName()} ({@code SPO_SECRET_<NAME>_<KEY>},
 * non-alphanumerics replaced by '_'), so two different Secret keys can map to one variable and
 * one would silently win; such pairs are refused, naming both fields.
 */
public final class SecretReferences {
  /** A value the spec takes by reference, at its field path. */
  public record Reference(String path, ValueFrom value) {}

  private SecretReferences() {}

  /** One problem per reference whose variable an earlier, different reference already uses. */
  public static List<Problem> collisions(PipelineSpec spec) {
    Map<String, Reference> byEnv = new LinkedHashMap<>();
    List<Problem> problems = new ArrayList<>();
    for (Reference r : secretKeyRefs(spec)) {
      String env = r.value().envName();
      Reference first = byEnv.putIfAbsent(env, r);
      if (first != null && !sameKey(first.value().secretKeyRef(), r.value().secretKeyRef())) {
        problems.add(Problem.at(r.path() + ".secretKeyRef", describe(r.value().secretKeyRef()) + " and " + first.path()
                + ".secretKeyRef (" + describe(first.value().secretKeyRef()) + ") both become environment variable " + env
                + "; one would silently win",
            "rename a Secret or key so that they differ in letters or digits"));
      }
    }
    return problems;
  }

  /**
   * Every complete {@code secretKeyRef} in the spec (Kafka credentials, JDBC and MongoDB user and
   * password, an HTTP sink's URL and headers), in spec order: what the operator injects into the driver as
   * environment variables ({@link ValueFrom#envName()}). New secret fields are added here only.
   */
  public static List<Reference> secretKeyRefs(PipelineSpec spec) {
    List<Reference> refs = new ArrayList<>();
    for (int i = 0; i < spec.sourcesOrEmpty().size(); i++) {
      SourceSpec s = spec.sourcesOrEmpty().get(i);
      String path = "spec.sources[" + i + "]";
      if (s != null && s.kafka() != null) {
        credentials(s.kafka().credentials(), path + ".kafka.credentials", refs);
      }
      if (s != null && s.jdbc() != null) {
        add(s.jdbc().user(), path + ".jdbc.user", refs);
        add(s.jdbc().password(), path + ".jdbc.password", refs);
      }
    }
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      SinkSpec s = spec.sinksOrEmpty().get(i);
      String path = "spec.sinks[" + i + "]";
      if (s != null && s.kafka() != null) {
        credentials(s.kafka().credentials(), path + ".kafka.credentials", refs);
      }
      if (s != null && s.jdbc() != null) {
        add(s.jdbc().user(), path + ".jdbc.user", refs);
        add(s.jdbc().password(), path + ".jdbc.password", refs);
      }
      if (s != null && s.mongodb() != null) {
        add(s.mongodb().user(), path + ".mongodb.user", refs);
        add(s.mongodb().password(), path + ".mongodb.password", refs);
      }
      if (s != null && s.http() != null) {
        add(s.http().urlFrom(), path + ".http.urlFrom", refs);
        s.http().headersOrEmpty().forEach((name, v) ->
            add(v == null ? null : v.reference(), path + ".http.headers[\"" + name + "\"]", refs));
      }
    }
    return refs;
  }

  private static void credentials(KafkaCredentials c, String path, List<Reference> refs) {
    if (c != null) {
      add(c.username(), path + ".username", refs);
      add(c.password(), path + ".password", refs);
    }
  }

  private static void add(ValueFrom v, String path, List<Reference> refs) {
    if (v != null && v.secretKeyRef() != null && v.secretKeyRef().name() != null && v.secretKeyRef().key() != null) {
      refs.add(new Reference(path, v));
    }
  }

  private static boolean sameKey(SecretKeyRef a, SecretKeyRef b) {
    return Objects.equals(a.name(), b.name()) && Objects.equals(a.key(), b.key());
  }

  private static String describe(SecretKeyRef r) {
    return "secret '" + r.name() + "', key '" + r.key() + "'";
  }
}
