package dev.pipelines.streaming.api.validation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Holds {@code spec.podTemplates.driver} and {@code .executor} to Kubernetes' {@code restricted}
 * Pod Security Standard (https://kubernetes.io/docs/concepts/security/pod-security-standards/):
 * the operator creates the driver from the author's template with its own rights, so a template
 * must not get what the author could not create directly.
 *
 * <p>Refused wherever they appear: privileged containers, host namespaces, hostPath and every
 * volume type the profile does not list, host ports, added capabilities other than
 * NET_BIND_SERVICE, privilege escalation, running as root, Unconfined seccomp or AppArmor,
 * custom SELinux users, roles and types, Windows host processes, non-default procMount and
 * sysctls (the profile allows a few safe ones; a pipeline needs none). The service account and
 * its token belong to the operator. A template is a whole Pod, as Spark's pod templates are:
 * Spark takes its first container for Spark and keeps the others as sidecars (documented in
 * docs/operator.md); every container and init container is held to the same rules. Settings
 * the profile requires (runAsNonRoot, seccomp RuntimeDefault, dropping ALL capabilities) are
 * not demanded here: they belong in the security context the operator merges over the template
 * (the operator half of issue 16); this class only refuses what a template asks for explicitly.
 */
public final class PodTemplateRules {
  private static final String PROFILE = " is not allowed by the restricted Pod Security profile";
  static final List<String> VOLUME_TYPES = List.of(
      "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret");
  private static final Set<String> SELINUX_TYPES = Set.of("container_t", "container_init_t", "container_kvm_t", "container_engine_t");
  private static final String APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
  private static final Map<String, String> HOST_NAMESPACES = Map.of(
      "hostNetwork", "the host's network namespace", "hostPID", "the host's process namespace", "hostIPC", "the host's IPC namespace");

  private final List<Problem> problems = new ArrayList<>();

  private PodTemplateRules() {}

  /** Every problem of one template; {@code path} is e.g. {@code spec.podTemplates.driver}. */
  public static List<Problem> check(JsonNode template, String path) {
    PodTemplateRules rules = new PodTemplateRules();
    if (template == null || template.isNull()) {
      return List.of();
    }
    if (!template.isObject()) {
      return List.of(Problem.at(path, "must be a Pod manifest", "apiVersion: v1, kind: Pod, metadata, spec"));
    }
    rules.checkAnnotations(template.path("metadata").path("annotations"), path + ".metadata.annotations");
    JsonNode spec = template.path("spec");
    if (spec.isObject()) {
      rules.checkPodSpec(spec, path + ".spec");
    }
    return List.copyOf(rules.problems);
  }

  private void checkPodSpec(JsonNode spec, String path) {
    for (String field : List.of("hostNetwork", "hostPID", "hostIPC")) {
      if (isTrue(spec.get(field))) {
        add(path + "." + field, HOST_NAMESPACES.get(field) + PROFILE, null);
      }
    }
    for (String field : List.of("serviceAccountName", "serviceAccount")) {
      if (spec.hasNonNull(field)) {
        add(path + "." + field, "set by the operator: the driver runs with its pipeline's service account,"
            + " executors with one without rights", "remove it");
      }
    }
    if (isTrue(spec.get("automountServiceAccountToken"))) {
      add(path + ".automountServiceAccountToken", "set by the operator: only the driver gets a service account token",
          "remove it");
    }
    JsonNode podContext = spec.path("securityContext");
    checkSecurityContext(podContext, path + ".securityContext");
    if (podContext.path("sysctls").size() > 0) {
      add(path + ".securityContext.sysctls", "sysctls are not allowed in pipeline pods",
          "the restricted profile allows only a few namespaced ones, and a pipeline needs none");
    }
    JsonNode volumes = spec.path("volumes");
    for (int i = 0; i < volumes.size(); i++) {
      Iterator<String> fields = volumes.get(i).fieldNames();
      while (fields.hasNext()) {
        String type = fields.next();
        if (!type.equals("name") && !VOLUME_TYPES.contains(type)) {
          add(path + ".volumes[" + i + "]." + type, "volume type " + type + PROFILE,
              "allowed: " + String.join(", ", VOLUME_TYPES));
        }
      }
    }
    containersOfSpec(spec, path).forEach((containerPath, c) -> checkContainer(c, containerPath));
    if (spec.path("ephemeralContainers").size() > 0) {
      add(path + ".ephemeralContainers", "not allowed in a pod template", "Kubernetes adds ephemeral containers to running pods only");
    }
  }

  /**
   * The containers and init containers of a pod template, in that order, each by its path
   * ({@code <path>.spec.containers[0]}, ...); empty for a template that is no Pod manifest.
   */
  public static Map<String, JsonNode> containers(JsonNode template, String path) {
    return template == null ? Map.of() : containersOfSpec(template.path("spec"), path + ".spec");
  }

  private static Map<String, JsonNode> containersOfSpec(JsonNode spec, String path) {
    Map<String, JsonNode> all = new java.util.LinkedHashMap<>();
    for (String list : List.of("containers", "initContainers")) {
      JsonNode containers = spec.path(list);
      for (int i = 0; i < containers.size(); i++) {
        all.put(path + "." + list + "[" + i + "]", containers.get(i));
      }
    }
    return all;
  }

  private void checkContainer(JsonNode c, String cp) {
    JsonNode context = c.path("securityContext");
    String sp = cp + ".securityContext";
    if (isTrue(context.get("privileged"))) {
      add(sp + ".privileged", "a privileged container" + PROFILE, "remove it");
    }
    if (isTrue(context.get("allowPrivilegeEscalation"))) {
      add(sp + ".allowPrivilegeEscalation", "privilege escalation" + PROFILE, "remove it or set false");
    }
    JsonNode added = context.path("capabilities").path("add");
    for (int k = 0; k < added.size(); k++) {
      String capability = added.get(k).asText();
      if (!capability.equals("NET_BIND_SERVICE")) {
        add(sp + ".capabilities.add[" + k + "]", "capability " + capability + PROFILE, "only NET_BIND_SERVICE may be added");
      }
    }
    JsonNode procMount = context.get("procMount");
    if (procMount != null && !procMount.isNull() && !procMount.asText().equals("Default")) {
      add(sp + ".procMount", "procMount " + procMount.asText() + PROFILE, "remove it (Default)");
    }
    checkSecurityContext(context, sp);
    JsonNode ports = c.path("ports");
    for (int p = 0; p < ports.size(); p++) {
      JsonNode hostPort = ports.get(p).get("hostPort");
      if (hostPort != null && !hostPort.isNull() && hostPort.asInt() != 0) {
        add(cp + ".ports[" + p + "].hostPort", "a host port" + PROFILE, "remove hostPort; Services reach the pod");
      }
    }
  }

  /** Rules shared by the pod's and each container's securityContext. */
  private void checkSecurityContext(JsonNode context, String path) {
    if (!context.isObject()) {
      return;
    }
    JsonNode runAsUser = context.get("runAsUser");
    if (runAsUser != null && !runAsUser.isNull() && runAsUser.asText().equals("0")) {
      add(path + ".runAsUser", "running as root (uid 0)" + PROFILE, "remove it; the operator runs Spark as a non-root user");
    }
    if (isFalse(context.get("runAsNonRoot"))) {
      add(path + ".runAsNonRoot", "running as root" + PROFILE, "remove it or set true");
    }
    for (String profile : List.of("seccompProfile", "appArmorProfile")) {
      String type = context.path(profile).path("type").asText("");
      if (type.equals("Unconfined")) {
        add(path + "." + profile + ".type", (profile.startsWith("seccomp") ? "seccomp" : "AppArmor") + " profile Unconfined" + PROFILE,
            "RuntimeDefault or Localhost");
      }
    }
    JsonNode seLinux = context.path("seLinuxOptions");
    for (String field : List.of("user", "role")) {
      if (!seLinux.path(field).asText("").isEmpty()) {
        add(path + ".seLinuxOptions." + field, "a custom SELinux " + field + PROFILE, "remove it");
      }
    }
    String seLinuxType = seLinux.path("type").asText("");
    if (!seLinuxType.isEmpty() && !SELINUX_TYPES.contains(seLinuxType)) {
      add(path + ".seLinuxOptions.type", "SELinux type " + seLinuxType + PROFILE,
          "container_t, container_init_t, container_kvm_t or container_engine_t");
    }
    if (isTrue(context.path("windowsOptions").get("hostProcess"))) {
      add(path + ".windowsOptions.hostProcess", "a Windows host process" + PROFILE, "remove it");
    }
  }

  private void checkAnnotations(JsonNode annotations, String path) {
    Iterator<Map.Entry<String, JsonNode>> it = annotations.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String value = e.getValue().asText("");
      if (e.getKey().startsWith(APPARMOR_ANNOTATION) && !value.equals("runtime/default") && !value.startsWith("localhost/")) {
        add(path + "[\"" + e.getKey() + "\"]", "AppArmor profile " + value + PROFILE, "runtime/default or localhost/<profile>");
      }
    }
  }

  private static boolean isTrue(JsonNode n) {
    return n != null && (n.isBoolean() ? n.booleanValue() : n.asText("").equalsIgnoreCase("true"));
  }

  private static boolean isFalse(JsonNode n) {
    return n != null && (n.isBoolean() ? !n.booleanValue() : n.asText("").equalsIgnoreCase("false"));
  }

  private void add(String path, String message, String hint) {
    problems.add(Problem.at(path, message, hint));
  }
}
