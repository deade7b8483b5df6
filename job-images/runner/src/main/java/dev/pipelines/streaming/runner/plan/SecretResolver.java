package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.KafkaCredentials;
import dev.pipelines.streaming.api.model.ValueFrom;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Resolves secret references from the environment. On Kubernetes the operator maps each
 * secretKeyRef to the environment variable {@link ValueFrom#envName()}; locally users set
 * {@code env}. A missing variable is a user error with a field path, never a stack trace.
 */
public final class SecretResolver {
  private final UnaryOperator<String> environment;

  public SecretResolver(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  public static SecretResolver fromSystemEnvironment() {
    return new SecretResolver(System::getenv);
  }

  /** Spark Kafka options for SASL, or none when there are no credentials. */
  public Map<String, String> kafkaSaslOptions(KafkaCredentials credentials, String path) {
    if (credentials == null) {
      return Map.of();
    }
    String user = resolve(credentials.username(), path + ".username");
    String password = resolve(credentials.password(), path + ".password");
    String module = credentials.mechanismOrDefault().equals("PLAIN")
        ? "org.apache.kafka.common.security.plain.PlainLoginModule"
        : "org.apache.kafka.common.security.scram.ScramLoginModule";
    return Map.of(
        "kafka.security.protocol", credentials.securityProtocolOrDefault(),
        "kafka.sasl.mechanism", credentials.mechanismOrDefault(),
        "kafka.sasl.jaas.config", module + " required username=\"" + escape(user)
            + "\" password=\"" + escape(password) + "\";");
  }

  /** JDBC user/password options; either may be absent (e.g. trust authentication). */
  public Map<String, String> jdbcOptions(ValueFrom user, ValueFrom password, String path) {
    Map<String, String> options = new java.util.HashMap<>();
    if (user != null) {
      options.put("user", resolve(user, path + ".user"));
    }
    if (password != null) {
      options.put("password", resolve(password, path + ".password"));
    }
    return options;
  }

  /** The referenced value; a {@link PlanningException} at {@code path} when its variable is unset. */
  public String value(ValueFrom ref, String path) {
    return resolve(ref, path);
  }

  private String resolve(ValueFrom ref, String path) {
    String value = environment.apply(ref.envName());
    if (value == null) {
      throw new PlanningException(List.of(Problem.at(path, "environment variable " + ref.envName() + " is not set",
          ref.secretKeyRef() != null
              ? "on Kubernetes the operator sets it from Secret " + ref.secretKeyRef().name()
              : "export it before running the pipeline")));
    }
    return value;
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
