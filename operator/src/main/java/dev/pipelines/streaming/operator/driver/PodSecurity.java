package dev.pipelines.streaming.operator.driver;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.CapabilitiesBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The security settings of every pod the operator creates or templates (the driver, and the
 * executor template Spark builds executors from), applied after the author's pod template so
 * the template can never weaken them (as Strimzi's PodSecurityProvider does). They satisfy
 * Kubernetes' {@code restricted} Pod Security Standard: non-root (Spark's image user, uid 185),
 * no privilege escalation, every capability dropped, seccomp {@code RuntimeDefault}, no host
 * namespaces. The root filesystem is read-only; Spark writes to its local dirs (an emptyDir
 * Spark's LocalDirsFeatureStep adds), and {@code /tmp} (JNI libraries: RocksDB, Snappy, zstd)
 * and Spark's work dir get their own emptyDirs. {@code fsGroup} makes a fresh checkpoint
 * volume writable by that user.
 */
public final class PodSecurity {
  /** The user of Spark's image ({@code apache/spark}: {@code spark}, uid 185) and of ours. */
  public static final long SPARK_UID = 185;
  static final List<String> WRITABLE_DIRS = List.of("/tmp", "/opt/spark/work-dir");

  private PodSecurity() {}

  /**
   * The pod with our security settings over whatever it had.
   *
   * @param mountServiceAccountToken true for the driver (it calls the API to run executors);
   *     false for executors, which never call it
   */
  public static Pod secure(Pod pod, boolean mountServiceAccountToken) {
    PodBuilder b = new PodBuilder(pod);
    b.editOrNewSpec()
        .withHostNetwork(false).withHostPID(false).withHostIPC(false)
        .withAutomountServiceAccountToken(mountServiceAccountToken)
        .withSecurityContext(podContext(pod.getSpec() == null ? null : pod.getSpec().getSecurityContext()))
        .withContainers(map(pod.getSpec() == null ? null : pod.getSpec().getContainers(), PodSecurity::secure))
        .withInitContainers(map(pod.getSpec() == null ? null : pod.getSpec().getInitContainers(), PodSecurity::secure))
        .withVolumes(withScratchVolumes(pod.getSpec() == null ? null : pod.getSpec().getVolumes()))
        .endSpec();
    return b.build();
  }

  private static PodSecurityContext podContext(PodSecurityContext given) {
    PodSecurityContextBuilder b = given == null ? new PodSecurityContextBuilder() : new PodSecurityContextBuilder(given);
    return b.withRunAsNonRoot(true)
        .withRunAsUser(SPARK_UID).withRunAsGroup(SPARK_UID)
        .withFsGroup(given != null && given.getFsGroup() != null && given.getFsGroup() != 0 ? given.getFsGroup() : SPARK_UID)
        .withFsGroupChangePolicy("OnRootMismatch")
        .withSeccompProfile(new SeccompProfileBuilder().withType("RuntimeDefault").build())
        .withSysctls(List.of())
        .build();
  }

  private static Container secure(Container c) {
    SecurityContext given = c.getSecurityContext();
    SecurityContextBuilder b = given == null ? new SecurityContextBuilder() : new SecurityContextBuilder(given);
    Capabilities dropAll = new CapabilitiesBuilder().withDrop("ALL").build();
    SecurityContext context = b.withPrivileged(false).withAllowPrivilegeEscalation(false)
        .withRunAsNonRoot(true).withRunAsUser(null).withRunAsGroup(null)
        .withReadOnlyRootFilesystem(true).withCapabilities(dropAll)
        .withSeccompProfile(null).withProcMount(null)
        .build();
    List<VolumeMount> mounts = new ArrayList<>(c.getVolumeMounts() == null ? List.of() : c.getVolumeMounts());
    for (String dir : WRITABLE_DIRS) {
      if (mounts.stream().noneMatch(m -> dir.equals(m.getMountPath()))) {
        mounts.add(new VolumeMountBuilder().withName(volumeName(dir)).withMountPath(dir).build());
      }
    }
    return new ContainerBuilder(c).withSecurityContext(context).withVolumeMounts(mounts).build();
  }

  private static List<Volume> withScratchVolumes(List<Volume> given) {
    List<Volume> volumes = new ArrayList<>(given == null ? List.of() : given);
    for (String dir : WRITABLE_DIRS) {
      String name = volumeName(dir);
      if (volumes.stream().noneMatch(v -> name.equals(v.getName()))) {
        volumes.add(new VolumeBuilder().withName(name).withNewEmptyDir().endEmptyDir().build());
      }
    }
    return volumes;
  }

  static String volumeName(String dir) {
    return "spo-scratch" + dir.replace('/', '-');
  }

  private static List<Container> map(List<Container> containers, Function<Container, Container> f) {
    return containers == null ? List.of() : containers.stream().map(f).toList();
  }
}
