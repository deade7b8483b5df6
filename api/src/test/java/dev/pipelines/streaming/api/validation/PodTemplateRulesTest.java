package dev.pipelines.streaming.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/** spec.podTemplates against the restricted Pod Security profile, as KubernetesRules reports it. */
class PodTemplateRulesTest {
  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: p}
      spec:
        checkpoint: {pvc: {}}
        sources: [{name: clicks, generator: {}}]
        sinks: [{name: out, from: clicks, console: {}}]
        podTemplates:
      """;

  static List<String> problems(String templates) {
    return KubernetesRules.validate(PipelineLoader.parse(PIPELINE + templates.indent(4)).pipeline())
        .stream().map(Problem::toString).toList();
  }

  @Test
  void tolerationsSidecarsAndRestrictedSettingsPass() {
    assertThat(problems("""
        driver:
          apiVersion: v1
          kind: Pod
          metadata: {labels: {team: web}, annotations: {"container.apparmor.security.beta.kubernetes.io/spark": runtime/default}}
          spec:
            tolerations: [{key: dedicated, value: streaming, effect: NoSchedule}]
            securityContext: {runAsNonRoot: true, runAsUser: 185, fsGroup: 185, seccompProfile: {type: RuntimeDefault}}
            containers:
              - name: spark
                securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
                env: [{name: AWS_ACCESS_KEY_ID, valueFrom: {secretKeyRef: {name: s3, key: id}}}]
              - name: proxy
                image: envoyproxy/envoy:v1.31
                ports: [{containerPort: 9901}]
            volumes:
              - {name: scratch, emptyDir: {}}
              - {name: ca, configMap: {name: ca-bundle}}
              - {name: token, projected: {sources: [{serviceAccountToken: {path: token, audience: vault}}]}}
        """)).isEmpty();
  }

  @Test
  void everyRestrictedProfileViolationIsNamed() {
    assertThat(problems("""
        driver:
          metadata: {annotations: {"container.apparmor.security.beta.kubernetes.io/spark": unconfined}}
          spec:
            hostNetwork: true
            hostPID: true
            hostIPC: true
            serviceAccountName: operator
            automountServiceAccountToken: true
            securityContext:
              runAsUser: 0
              seccompProfile: {type: Unconfined}
              sysctls: [{name: kernel.shm_rmid_forced, value: "1"}]
            containers:
              - name: spark
                securityContext:
                  privileged: true
                  allowPrivilegeEscalation: true
                  runAsNonRoot: false
                  capabilities: {add: [NET_BIND_SERVICE, SYS_ADMIN]}
                  procMount: Unmasked
                  appArmorProfile: {type: Unconfined}
                  seLinuxOptions: {user: system_u, type: spc_t}
                ports: [{containerPort: 4040, hostPort: 4040}]
            volumes:
              - {name: root, hostPath: {path: /}}
              - {name: ok, emptyDir: {}}
        executor:
          spec:
            initContainers:
              - {name: setup, image: busybox, securityContext: {windowsOptions: {hostProcess: true}}}
            ephemeralContainers: [{name: debug, image: busybox}]
            volumes: [{name: data, nfs: {server: nfs, path: /}}]
        """)).containsExactly(
        "spec.podTemplates.driver.metadata.annotations[\"container.apparmor.security.beta.kubernetes.io/spark\"]:"
            + " AppArmor profile unconfined is not allowed by the restricted Pod Security profile"
            + " (runtime/default or localhost/<profile>)",
        "spec.podTemplates.driver.spec.hostNetwork: the host's network namespace is not allowed by the restricted Pod Security profile",
        "spec.podTemplates.driver.spec.hostPID: the host's process namespace is not allowed by the restricted Pod Security profile",
        "spec.podTemplates.driver.spec.hostIPC: the host's IPC namespace is not allowed by the restricted Pod Security profile",
        "spec.podTemplates.driver.spec.serviceAccountName: set by the operator: the driver runs with its pipeline's service"
            + " account, executors with one without rights (remove it)",
        "spec.podTemplates.driver.spec.automountServiceAccountToken: set by the operator: only the driver gets a service"
            + " account token (remove it)",
        "spec.podTemplates.driver.spec.securityContext.runAsUser: running as root (uid 0) is not allowed by the restricted"
            + " Pod Security profile (remove it; the operator runs Spark as a non-root user)",
        "spec.podTemplates.driver.spec.securityContext.seccompProfile.type: seccomp profile Unconfined is not allowed by the"
            + " restricted Pod Security profile (RuntimeDefault or Localhost)",
        "spec.podTemplates.driver.spec.securityContext.sysctls: sysctls are not allowed in pipeline pods"
            + " (the restricted profile allows only a few namespaced ones, and a pipeline needs none)",
        "spec.podTemplates.driver.spec.volumes[0].hostPath: volume type hostPath is not allowed by the restricted Pod Security"
            + " profile (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.privileged: a privileged container is not allowed by"
            + " the restricted Pod Security profile (remove it)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.allowPrivilegeEscalation: privilege escalation is not"
            + " allowed by the restricted Pod Security profile (remove it or set false)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.capabilities.add[1]: capability SYS_ADMIN is not"
            + " allowed by the restricted Pod Security profile (only NET_BIND_SERVICE may be added)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.procMount: procMount Unmasked is not allowed by the"
            + " restricted Pod Security profile (remove it (Default))",
        "spec.podTemplates.driver.spec.containers[0].securityContext.runAsNonRoot: running as root is not allowed by the"
            + " restricted Pod Security profile (remove it or set true)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.appArmorProfile.type: AppArmor profile Unconfined is"
            + " not allowed by the restricted Pod Security profile (RuntimeDefault or Localhost)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.seLinuxOptions.user: a custom SELinux user is not"
            + " allowed by the restricted Pod Security profile (remove it)",
        "spec.podTemplates.driver.spec.containers[0].securityContext.seLinuxOptions.type: SELinux type spc_t is not allowed"
            + " by the restricted Pod Security profile (container_t, container_init_t, container_kvm_t or container_engine_t)",
        "spec.podTemplates.driver.spec.containers[0].ports[0].hostPort: a host port is not allowed by the restricted Pod"
            + " Security profile (remove hostPort; Services reach the pod)",
        "spec.podTemplates.executor.spec.volumes[0].nfs: volume type nfs is not allowed by the restricted Pod Security"
            + " profile (allowed: configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)",
        "spec.podTemplates.executor.spec.initContainers[0].securityContext.windowsOptions.hostProcess: a Windows host"
            + " process is not allowed by the restricted Pod Security profile (remove it)",
        "spec.podTemplates.executor.spec.ephemeralContainers: not allowed in a pod template"
            + " (Kubernetes adds ephemeral containers to running pods only)");
  }

  @Test
  void aTemplateMustBeAnObject() {
    assertThat(problems("driver: [a, b]\n"))
        .containsExactly("spec.podTemplates.driver: must be a Pod manifest (apiVersion: v1, kind: Pod, metadata, spec)");
  }
}
