package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** SASL credentials for Kafka, only ever by reference: never a password in the spec. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record KafkaCredentials(
    @JsonPropertyDescription("SASL mechanism: PLAIN, SCRAM-SHA-256 (default) or SCRAM-SHA-512.") String mechanism,
    @JsonPropertyDescription("SASL_SSL (default) or SASL_PLAINTEXT.") String securityProtocol,
    ValueFrom username,
    ValueFrom password) {

  public String mechanismOrDefault() {
    return mechanism == null ? "SCRAM-SHA-256" : mechanism;
  }

  public String securityProtocolOrDefault() {
    return securityProtocol == null ? "SASL_SSL" : securityProtocol;
  }
}
