package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.model.CheckpointSpec;
import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.operator.autoscale.ControlTokens;
import dev.pipelines.streaming.operator.children.PipelineAccess;
import dev.pipelines.streaming.operator.children.PipelineEgress;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
import dev.pipelines.streaming.operator.driver.DriverRequest;
import dev.pipelines.streaming.operator.driver.DriverResources;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import java.net.HttpURLConnection;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;

/** Carries out the Decider's actions. Every write is idempotent: reconciles may repeat. */
public final class ClusterActor {
  private final KubernetesClient client;
  private final DriverPodFactory pods;
  private final ControlTokens tokens;
  private final PipelineEgress egress;

  public ClusterActor(KubernetesClient client, DriverPodFactory pods, ControlTokens tokens) {
    this(client, pods, tokens, PipelineEgress.OFF);
  }

  /** @param egress the egress NetworkPolicies each pipeline gets before its driver starts ({@link PipelineEgress#OFF}: none) */
  public ClusterActor(KubernetesClient client, DriverPodFactory pods, ControlTokens tokens, PipelineEgress egress) {
    this.client = client;
    this.pods = pods;
    this.tokens = tokens;
    this.egress = egress;
  }

  public void apply(StreamingPipelineResource pipeline, Action action) {
    if (action instanceof Action.StartDriver start) {
      startDriver(pipeline, start);
    } else if (action instanceof Action.StopDriver stop) {
      client.pods().inNamespace(namespace(pipeline)).withName(stop.podName())
          .withGracePeriod(stop.gracePeriodSeconds()).delete();
    }
  }

  private void startDriver(StreamingPipelineResource p, Action.StartDriver start) {
    String ns = namespace(p);
    String name = p.getMetadata().getName();
    OwnerReference owner = owner(p);
    try {
      // First: the record of the spec handed to a driver on this epoch (UpgradePlanner reads it
      // before every later start). If it cannot be written, nothing else is done.
      applySpec(p, ns, name, owner, start.epoch());
    } catch (KubernetesClientException e) {
      throw new SpecNotRecordedException(e);
    }
    applyDriverAccess(ns, name, owner);
    applyEgress(ns, name, owner);
    applyCheckpointLease(ns, name, owner);
    applyCheckpointClaim(p, ns, name, owner);
    applyControlService(ns, name, owner);
    applyControlToken(ns, name, p.getMetadata().getUid(), owner);
    DriverResources driver = pods.build(new DriverRequest(ns, name, p.getMetadata().getUid(), p.getSpec(),
        start.attempt(), generation(p), start.epoch(), start.adoptCheckpoint()));
    driver.preResources().forEach(this::createIfAbsent);
    Pod pod = createIfAbsent(driver.pod());
    // Per-attempt objects (Spark's conf ConfigMap, its driver Service) are owned by their driver
    // pod, as spark-submit does it: they go when the attempt's pod goes, never reused by the next.
    OwnerReference podOwner = new OwnerReferenceBuilder().withApiVersion("v1").withKind("Pod")
        .withName(pod.getMetadata().getName()).withUid(pod.getMetadata().getUid()).withController(true).build();
    driver.resources().forEach(r -> {
      r.getMetadata().setOwnerReferences(List.of(podOwner));
      createIfAbsent(r);
    });
    deleteOldDrivers(ns, name, start.attempt());
  }

  /**
   * The driver's and executors' ServiceAccounts, the driver's Role and RoleBinding
   * ({@link PipelineAccess}), owned by the pipeline; afterwards the reconciler keeps them as
   * built there (PipelineChildren).
   */
  private void applyDriverAccess(String ns, String name, OwnerReference owner) {
    for (HasMetadata child : List.of(PipelineAccess.driverServiceAccount(ns, name), PipelineAccess.executorServiceAccount(ns, name),
        PipelineAccess.driverRole(ns, name), PipelineAccess.driverRoleBinding(ns, name))) {
      child.getMetadata().setOwnerReferences(List.of(owner));
      apply(child);
    }
  }

  /**
   * The egress NetworkPolicies ({@link PipelineEgress}), before the driver exists, so that no pod
   * of the pipeline ever runs unheld; afterwards the reconciler keeps them (PipelineChildren).
   * Turned off by the admin: deleted, or they would keep holding pipelines to a list that is gone.
   */
  private void applyEgress(String ns, String name, OwnerReference owner) {
    if (!egress.enabled()) {
      // by name, and only the operator's own (its label): one of that name made by someone else stays
      for (String policy : List.of(DriverNames.egressPolicy(name), DriverNames.driverEgressPolicy(name))) {
        var existing = client.network().networkPolicies().inNamespace(ns).withName(policy).get();
        if (existing != null && DriverNames.MANAGED_BY.equals(existing.getMetadata().getLabels() == null ? null
            : existing.getMetadata().getLabels().get(DriverNames.LABEL_MANAGED_BY))) {
          client.resource(existing).delete();
        }
      }
      return;
    }
    for (HasMetadata policy : egress.policies(ns, name)) {
      policy.getMetadata().setOwnerReferences(List.of(owner));
      apply(policy);
    }
  }

  /**
   * The pipeline's checkpoint Lease, created released (no holder) so the first driver takes it
   * at once; afterwards only drivers write it. Deleted with the pipeline.
   */
  private void applyCheckpointLease(String ns, String name, OwnerReference owner) {
    ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
    createIfAbsent(new LeaseBuilder().withNewMetadata().withName(DriverNames.checkpointLease(name)).withNamespace(ns)
        .withLabels(labels(name)).withOwnerReferences(owner).endMetadata()
        .withNewSpec().withLeaseDurationSeconds(15).withAcquireTime(now).withRenewTime(now).withLeaseTransitions(0)
        .endSpec().build());
  }

  /** A claim the operator creates once and then leaves alone (PVC specs are mostly immutable). */
  private void applyCheckpointClaim(StreamingPipelineResource p, String ns, String name, OwnerReference owner) {
    CheckpointSpec c = p.getSpec().checkpoint();
    if (c == null || c.pvc() == null || c.pvc().claimName() != null) {
      return;
    }
    var pvc = new PersistentVolumeClaimBuilder().withNewMetadata().withName(DriverNames.checkpointClaim(name))
        .withNamespace(ns).withLabels(labels(name)).withOwnerReferences(owner).endMetadata()
        .withNewSpec().withAccessModes(c.pvc().accessModesOrDefault()).withStorageClassName(c.pvc().storageClassName())
        .withNewResources().withRequests(Map.of("storage", new Quantity(c.pvc().sizeOrDefault()))).endResources()
        .endSpec().build();
    createIfAbsent(pvc);
  }

  /** The stable control Service ({@link PipelineAccess#controlService}); created once, as a Service's clusterIP cannot change. */
  private void applyControlService(String ns, String name, OwnerReference owner) {
    var service = PipelineAccess.controlService(ns, name);
    service.getMetadata().setOwnerReferences(List.of(owner));
    createIfAbsent(service);
  }

  /**
   * The bearer token of the driver's control endpoint, mounted in the driver: derived from the
   * pipeline's UID and the operator's key ({@link ControlTokens}), written at every start and
   * never read back.
   */
  private void applyControlToken(String ns, String name, String uid, OwnerReference owner) {
    Secret secret = new SecretBuilder().withNewMetadata()
        .withName(DriverNames.controlSecret(name)).withNamespace(ns).withLabels(labels(name)).withOwnerReferences(owner)
        .endMetadata()
        .withStringData(Map.of(DriverNames.CONTROL_TOKEN_KEY, tokens.token(uid)))
        .build();
    try {
      client.resource(secret).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // There already: written again with the current key's token (a changed key would leave every
      // later driver unreachable). A PUT replaces the whole object and returns what was sent: the
      // operator never reads a Secret of a pipeline namespace, not even this one.
      replaceWithoutReading(secret);
    }
  }

  /**
   * An unconditional PUT (no resourceVersion) of {@code secret}. fabric8's {@code update()}
   * would GET the object first for its resourceVersion, and the operator may not read Secrets.
   */
  private void replaceWithoutReading(Secret secret) {
    String url = client.getMasterUrl().toString().replaceAll("/+$", "") + "/api/v1/namespaces/"
        + secret.getMetadata().getNamespace() + "/secrets/" + secret.getMetadata().getName();
    var http = client.getHttpClient();
    var put = http.newHttpRequestBuilder().uri(url).put("application/json", Serialization.asJson(secret)).build();
    try {
      var response = http.sendAsync(put, String.class).get(30, java.util.concurrent.TimeUnit.SECONDS);
      if (!response.isSuccessful()) {
        throw new KubernetesClientException("replacing Secret " + secret.getMetadata().getName() + " answered "
            + response.code() + ": " + Serialization.unmarshal(response.body(), io.fabric8.kubernetes.api.model.Status.class)
            .getMessage(), response.code(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesClientException("interrupted while replacing Secret " + secret.getMetadata().getName(), e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KubernetesClientException("could not replace Secret " + secret.getMetadata().getName() + ": " + e, e);
    }
  }

  /**
   * The pipeline's control-token Secret, written with the token the operator derives now: after
   * its driver refused that token. The driver reads the token from the Secret's volume, which
   * the kubelet refreshes (about a minute), so it takes the new one without a restart.
   */
  public void writeControlToken(StreamingPipelineResource p) {
    applyControlToken(namespace(p), p.getMetadata().getName(), p.getMetadata().getUid(), owner(p));
  }


  /**
   * The spec the new driver runs; also the "running spec" the next upgrade is checked against.
   * The last spec of each sink removed in this epoch is carried over from the record it replaces
   * ({@link CheckpointRecord#configMapData}): that sink's query directory is still in the checkpoint.
   */
  private void applySpec(StreamingPipelineResource p, String ns, String name, OwnerReference owner, int epoch) {
    ConfigMap existing = client.configMaps().inNamespace(ns).withName(DriverNames.specConfigMap(name)).get();
    CheckpointRecord previous = existing == null ? CheckpointRecord.MISSING
        : CheckpointRecord.fromConfigMap(existing.getMetadata().getAnnotations(), existing.getData());
    ConfigMap record = new ConfigMapBuilder().withNewMetadata().withName(DriverNames.specConfigMap(name)).withNamespace(ns)
        .withLabels(labels(name))
        .withAnnotations(Map.of(SpecRecordNames.ANNOTATION_GENERATION, String.valueOf(generation(p)),
            SpecRecordNames.ANNOTATION_EPOCH, String.valueOf(epoch)))
        .withOwnerReferences(owner).endMetadata()
        .withData(previous.configMapData(p.toPipeline(), epoch)).build();
    if (existing == null) {
      client.resource(record).create();
    } else {
      // Guarded by the version read above: the carried-over records are of exactly that record.
      record.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.resource(record).update();
    }
  }

  /** Keeps the previous attempt's pod for `kubectl logs`; older ones go. */
  private void deleteOldDrivers(String ns, String name, int attempt) {
    List<Pod> drivers = client.pods().inNamespace(ns).withLabel(DriverNames.LABEL_PIPELINE, name)
        .withLabel(DriverNames.SPARK_ROLE, "driver").list().getItems();
    for (Pod pod : drivers) {
      String a = pod.getMetadata().getLabels().get(DriverNames.LABEL_ATTEMPT);
      if (a != null && Integer.parseInt(a) < attempt - 1) {
        client.resource(pod).delete();
      }
    }
  }

  private void apply(HasMetadata resource) {
    client.resource(resource).createOr(NonDeletingOperation::update);
  }

  /**
   * Create; an existing object of the same name is this attempt's, from an earlier reconcile
   * (attempt numbers are never reused across specs). Returns the object as stored.
   */
  private <T extends HasMetadata> T createIfAbsent(T resource) {
    try {
      return client.resource(resource).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      return client.resource(resource).get();
    }
  }

  static OwnerReference owner(StreamingPipelineResource p) {
    return new OwnerReferenceBuilder().withApiVersion(p.getApiVersion()).withKind(p.getKind())
        .withName(p.getMetadata().getName()).withUid(p.getMetadata().getUid())
        .withController(true).withBlockOwnerDeletion(true).build();
  }

  static Map<String, String> labels(String pipeline) {
    return PipelineAccess.labels(pipeline);
  }

  static String namespace(StreamingPipelineResource p) {
    return p.getMetadata().getNamespace();
  }

  static long generation(StreamingPipelineResource p) {
    Long g = p.getMetadata().getGeneration();
    return g == null ? 1 : g;
  }
}
