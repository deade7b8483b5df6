package dev.pipelines.streaming.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The spec ConfigMap could not be written, so nothing of the start happened: the status from
 * before the decision still describes the cluster (no driver can have run this spec).
 */
public final class SpecNotRecordedException extends KubernetesClientException {
  public SpecNotRecordedException(KubernetesClientException cause) {
    super(cause.getStatus());
    initCause(cause);
  }
}
