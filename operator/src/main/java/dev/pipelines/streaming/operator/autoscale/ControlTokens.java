package dev.pipelines.streaming.operator.autoscale;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bearer token of each driver's control endpoint, derived rather than stored:
 * {@code hex(HMAC-SHA256(operator key, "control/" + pipeline UID))}. The operator writes it
 * into the pipeline's Secret once (create only) and recomputes it to call the driver, so it
 * needs no right to read Secrets in pipeline namespaces. A re-created pipeline (new UID) gets
 * a new token. The operator key lives in one Secret in the operator's own namespace.
 */
public final class ControlTokens {
  static final String KEY_FIELD = "key";
  private final SecretKeySpec key;

  public ControlTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("the control key needs at least 32 bytes, got " + key.length);
    }
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  /** The token of the pipeline with this UID (64 hex characters). */
  public String token(String pipelineUid) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return HexFormat.of().formatHex(mac.doFinal(("control/" + pipelineUid).getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }

  /**
   * The operator key from Secret {@code name} in {@code namespace}, created with 32 random bytes
   * when missing. Safe when several replicas start at once: the loser of the create reads the
   * winner's key.
   */
  public static ControlTokens loadOrCreate(KubernetesClient client, String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      try {
        secret = client.resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
            .withData(Map.of(KEY_FIELD, Base64.getEncoder().encodeToString(random))).build()).create();
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
          throw e;
        }
        secret = client.secrets().inNamespace(namespace).withName(name).get();
      }
    }
    if (secret == null || secret.getData() == null || secret.getData().get(KEY_FIELD) == null) {
      throw new IllegalStateException("Secret " + namespace + "/" + name + " has no '" + KEY_FIELD + "' field");
    }
    return new ControlTokens(Base64.getDecoder().decode(secret.getData().get(KEY_FIELD)));
  }
}
