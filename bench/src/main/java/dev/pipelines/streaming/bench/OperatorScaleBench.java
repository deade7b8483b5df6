package dev.pipelines.streaming.bench;

import static dev.pipelines.streaming.bench.Stats.f;

import dev.pipelines.streaming.operator.OperatorMain;
import dev.pipelines.streaming.testing.RealApiServer;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Benchmark 3. The operator (its jar's main, in its own JVM, as deployed) against the real
 * kube-apiserver + etcd of the test harness: apply N pipelines over 10 namespaces, and time
 * until each one's driver pod exists. Reports p50/p99 apply-to-pod latency, the time until
 * all exist, and the operator's peak resident memory.
 *
 * <p>Two ways to apply: {@code burst} submits all at once (8 client threads), which measures
 * throughput (latency is then mostly waiting in the queue); a rate such as {@code 20} applies
 * that many per second, which measures latency at a sustained load.
 *
 * <p>Args: [pipelines (default 1000)] [burst | pipelines per second (default burst)] [operator heap (default 256m)]
 */
public final class OperatorScaleBench {
  static final int NAMESPACES = 10;
  static final int APPLY_THREADS = 8;
  /** The JVM options of job-images/operator/Dockerfile (the heap is set separately). */
  static final List<String> OPERATOR_JVM = List.of("-XX:+UseSerialGC", "-Xss512k", "-XX:ReservedCodeCacheSize=64m");

  public static void main(String[] args) throws Exception {
    int pipelines = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    String mode = args.length > 1 ? args[1] : "burst";
    double perSecond = mode.equals("burst") ? 0 : Double.parseDouble(mode);
    String heap = args.length > 2 ? args[2] : "256m";
    KubernetesClient admin;
    try {
      admin = RealApiServer.adminClient();
    } catch (RuntimeException missing) {
      System.err.println("no kube-apiserver: " + missing.getMessage() + " (run e2e/apiserver/build.sh)");
      System.exit(2);
      return;
    }
    RealApiServer.installCrd(admin);
    for (int n = 0; n < NAMESPACES; n++) {
      admin.resource(new NamespaceBuilder().withNewMetadata().withName("bench-" + n).endMetadata().build())
          .createOr(existing -> existing.update());
    }

    Map<String, Long> applied = new ConcurrentHashMap<>();
    Map<String, Long> podSeen = new ConcurrentHashMap<>();
    admin.pods().inAnyNamespace().withLabel(DriverNames.LABEL_MANAGED_BY, DriverNames.MANAGED_BY)
        .withLabel(DriverNames.SPARK_ROLE, "driver").inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(Pod pod) {
            String owner = pod.getMetadata().getLabels().get(DriverNames.LABEL_PIPELINE);
            podSeen.putIfAbsent(pod.getMetadata().getNamespace() + "/" + owner, System.nanoTime());
          }

          @Override
          public void onUpdate(Pod oldPod, Pod newPod) {}

          @Override
          public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {}
        });

    Path work = Files.createTempDirectory("bench-operator");
    int healthPort = freePort();
    Process operator = ChildJvm.start(heap, OPERATOR_JVM, OperatorMain.class, List.of("--no-leader-election",
            "--health-port", String.valueOf(healthPort), "--runner-image", "bench/runner:1"),
        work.resolve("operator.log"), Map.of("KUBECONFIG", RealApiServer.kubeconfigFile().toString()));
    awaitReady(healthPort, operator, work.resolve("operator.log"));
    double idleRss = ChildJvm.rssMiB(operator.pid(), "VmRSS");

    AtomicReference<Double> peakRss = new AtomicReference<>(0.0);
    Thread sampler = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        peakRss.accumulateAndGet(ChildJvm.rssMiB(operator.pid(), "VmRSS"), Math::max);
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();

    long start = System.nanoTime();
    ExecutorService apply = Executors.newFixedThreadPool(APPLY_THREADS);
    for (int i = 0; i < pipelines; i++) {
      int index = i;
      if (perSecond > 0) {
        long due = start + (long) (i * 1e9 / perSecond);
        Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
      }
      apply.submit(() -> {
        String ns = "bench-" + (index % NAMESPACES);
        String name = "p-" + index;
        StreamingPipelineResource p = Serialization.unmarshal("""
            apiVersion: streaming.pipelines.dev/v1alpha1
            kind: StreamingPipeline
            metadata: {name: %s, namespace: %s}
            spec:
              checkpoint: {location: "s3a://bench/checkpoints"}
              sources: [{name: clicks, generator: {}}]
              sinks: [{name: out, from: clicks, console: {}}]
            """.formatted(name, ns), StreamingPipelineResource.class);
        applied.put(ns + "/" + name, System.nanoTime());
        admin.resource(p).create();
      });
    }
    apply.shutdown();
    apply.awaitTermination(10, TimeUnit.MINUTES);
    double applySeconds = (System.nanoTime() - start) / 1e9;
    System.out.println(f("applied %d pipelines in %.1f s (%s)", pipelines, applySeconds,
        perSecond > 0 ? f("%.0f per second", perSecond) : "burst"));

    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    int lastReported = 0;
    while (podSeen.size() < pipelines && System.nanoTime() < deadline && operator.isAlive()) {
      Thread.sleep(200);
      if (podSeen.size() / 100 > lastReported / 100) {
        lastReported = podSeen.size();
        System.out.println(f("  %4d driver pods after %.1f s", podSeen.size(), (System.nanoTime() - start) / 1e9));
      }
    }
    sampler.interrupt();
    double finalRss = ChildJvm.rssMiB(operator.pid(), "VmRSS");
    operator.destroy();
    operator.waitFor(30, TimeUnit.SECONDS);
    admin.close();

    List<Double> latencies = new ArrayList<>();
    long last = start;
    for (var e : applied.entrySet()) {
      Long seen = podSeen.get(e.getKey());
      if (seen != null) {
        latencies.add((seen - e.getValue()) / 1e9);
        last = Math.max(last, seen);
      }
    }
    double all = (last - start) / 1e9;
    System.out.println(f("driver pods: %d of %d; operator RSS idle %.0f MiB, peak %.0f MiB, at the end %.0f MiB (heap -Xmx%s)",
        podSeen.size(), pipelines, idleRss, peakRss.get(), finalRss, heap));
    Stats.result("operator-scale", f("%s: %d of %d driver pods in %.1f s (goal < 60 s), apply-to-pod p50 %.2f s (goal < 1 s),"
            + " p99 %.2f s, operator peak RSS %.0f MiB (goal < 400)", perSecond > 0 ? f("%.0f/s", perSecond) : "burst",
        podSeen.size(), pipelines, all,
        Stats.percentile(latencies, 50), Stats.percentile(latencies, 99), peakRss.get()));
    System.exit(podSeen.size() == pipelines ? 0 : 1);
  }

  private static void awaitReady(int port, Process operator, Path log) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline && operator.isAlive()) {
      try {
        var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz")).build(),
            HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("operator not ready; see " + log);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
