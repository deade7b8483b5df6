package dev.pipelines.streaming.e2e;

import dev.pipelines.streaming.runner.testing.KafkaBroker;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What the Kafka scenarios share: a pipeline namespace on the real node (restricted pod
 * security, a checkpoint volume), the operator installed by its chart watching it, and a broker
 * on the node's bridge address, where pods reach it.
 *
 * @param volume the host directory behind the namespace's checkpoint volume
 */
record KafkaNamespace(KubernetesClient client, String ns, Path volume, KafkaBroker kafka) implements AutoCloseable {

  /** A fresh namespace named {@code <prefix>-<random>}, the operator, and a broker with no topics. */
  static KafkaNamespace start(String prefix) throws Exception {
    KubernetesClient client = RealNode.adminClient();
    String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    Path volume = RealNode.pipelineNamespace(client, ns);
    RealNode.installOperator(ns);
    return new KafkaNamespace(client, ns, volume, KafkaBroker.start(Files.createTempDirectory(prefix), RealNode.HOST_IP));
  }

  /** The pipeline YAML with {@code NS} and {@code KAFKA} filled in. */
  String pipeline(String yaml) {
    return yaml.replace("NS", ns).replace("KAFKA", kafka.bootstrapServers());
  }

  @Override
  public void close() {
    RealNode.removePipelineNamespace(client, ns);
    kafka.close();
  }
}
