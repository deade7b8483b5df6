package dev.pipelines.streaming.operator.why;

import dev.pipelines.streaming.api.RunnerExitCodes;
import dev.pipelines.streaming.api.SpecRecordNames;
import dev.pipelines.streaming.api.lease.CommitLedger;
import dev.pipelines.streaming.api.lease.LeaseHolders;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.driver.DriverNames;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code spo why} says about a pipeline: findings from its {@link PipelineEvidence}, the
 * most telling first (e.g. "driver clicks-driver-3 exited 4 (lost the checkpoint Lease): ... held
 * by clicks-driver-4 since 12:41:07Z"), then the evidence they rest on. Pure: reads nothing.
 */
public final class Diagnosis {
  private final PipelineEvidence evidence;
  private final List<String> findings;

  private Diagnosis(PipelineEvidence evidence, List<String> findings) {
    this.evidence = evidence;
    this.findings = findings;
  }

  /** Judges the evidence; there is always at least one finding. */
  public static Diagnosis of(PipelineEvidence e) {
    List<String> findings = new ArrayList<>();
    String id = e.namespace() + "/" + e.name();
    if (e.pipeline() == null) {
      String refused = e.unreadable().stream().filter(u -> u.startsWith("StreamingPipeline ")).findFirst().orElse(null);
      findings.add(refused == null ? "StreamingPipeline " + id + " does not exist" : "cannot read " + refused);
      return new Diagnosis(e, findings);
    }
    PipelineStatus status = e.pipeline().getStatus() == null ? PipelineStatus.EMPTY : e.pipeline().getStatus();
    long generation = e.pipeline().getMetadata().getGeneration() == null ? 1 : e.pipeline().getMetadata().getGeneration();
    List<String> running = runningDrivers(e.pods());
    if (running.size() > 1) {
      findings.add("two drivers have running containers at once: " + String.join(", ", running)
          + " (only the Lease holder may commit; see the checkpoint Lease below)");
    }
    if (e.checkpointLease() != null) {
      // what the drivers' logs (as far as read) say they committed, against the Lease's takings
      CommitLedger.read(e.logs().values()).violations(holderHistory(e.checkpointLease())).forEach(v ->
          findings.add("commits from more than one driver at a time: " + v));
    }
    String named = status.driver() == null ? null : status.driver().podName();
    Pod driver = named == null ? null : e.pods().stream().filter(p -> named.equals(p.getMetadata().getName())).findFirst().orElse(null);
    if (named != null && driver == null) {
      findings.add("driver " + named + " named in status does not exist" + lastEventAbout(e, named));
    } else if (driver != null) {
      findings.addAll(driverFindings(e, driver));
    }
    String holder = e.checkpointLease() == null ? null : e.checkpointLease().getSpec().getHolderIdentity();
    if (holder != null && !holder.isEmpty() && running.size() == 1 && !running.contains(holder)) {
      findings.add("the checkpoint Lease is held by " + holder + ", not by the running driver " + running.get(0)
          + " (acquired " + e.checkpointLease().getSpec().getAcquireTime() + ")");
    }
    Long observed = status.observedGeneration();
    if (observed == null || observed < generation) {
      findings.add("the operator has not yet acted on generation " + generation + " (status is for "
          + (observed == null ? "no generation" : "generation " + observed) + "); " + operatorState(e));
    }
    Condition ready = status.conditionsOrEmpty().stream().filter(c -> Condition.READY.equals(c.type())).findFirst().orElse(null);
    findings.add(ready == null ? "no Ready condition yet; " + operatorState(e)
        : "Ready=" + ready.status() + " (" + ready.reason() + "): " + ready.message());
    return new Diagnosis(e, findings);
  }

  /** The first finding: the line a user (or a failing test) reads first. */
  public String headline() {
    return findings.get(0);
  }

  public List<String> findings() {
    return findings;
  }

  /** Whether the pipeline itself was read (else the report is only about what is missing). */
  public boolean evidenceHasPipeline() {
    return evidence.pipeline() != null;
  }

  /** The report {@code spo why} prints: findings, then status, pods, Events, Lease, spec record, operator. */
  public String text() {
    StringBuilder out = new StringBuilder();
    out.append("why ").append(evidence.namespace()).append('/').append(evidence.name()).append(": ").append(headline()).append('\n');
    findings.stream().skip(1).forEach(f -> out.append("  also: ").append(f).append('\n'));
    var p = evidence.pipeline();
    if (p != null) {
      PipelineStatus s = p.getStatus() == null ? PipelineStatus.EMPTY : p.getStatus();
      out.append("\n== status (generation ").append(p.getMetadata().getGeneration()).append(", observed ")
          .append(s.observedGeneration()).append(")\n");
      out.append("phase: ").append(s.phase()).append("\nmessage: ").append(s.message()).append('\n');
      s.conditionsOrEmpty().forEach(c -> out.append(String.format("%-12s %-6s %-24s %s  %s%n", c.type(), c.status(),
          c.reason(), c.lastTransitionTime(), c.message())));
      if (s.driver() != null) {
        out.append("driver: ").append(s.driver().podName()).append(" attempt ").append(s.driver().attempt())
            .append(", generation ").append(s.driver().specGeneration()).append(", started ").append(s.driver().startedAt())
            .append(", running since ").append(s.driver().runningSince()).append('\n');
      }
      if (s.restarts() != null) {
        out.append("restarts: ").append(s.restarts().countOrZero())
            .append(s.restarts().lastReason() == null ? "" : ", last: " + s.restarts().lastReason()).append('\n');
      }
      if (s.checkpoint() != null) {
        out.append("checkpoint: ").append(s.checkpoint().location()).append(" epoch ").append(s.checkpoint().epochOrZero()).append('\n');
      }
    }
    out.append("\n== pods\n");
    evidence.pods().forEach(pod -> out.append(podLine(pod)).append('\n'));
    if (evidence.pods().isEmpty()) {
      out.append("(none)\n");
    }
    out.append("\n== events (oldest first)\n");
    evidence.events().forEach(ev -> out.append(PipelineEvidence.eventTime(ev)).append(' ').append(ev.getType()).append(' ')
        .append(ev.getInvolvedObject().getKind()).append('/').append(ev.getInvolvedObject().getName()).append(' ')
        .append(ev.getReason()).append(": ").append(ev.getMessage()).append('\n'));
    out.append("\n== checkpoint Lease ").append(DriverNames.checkpointLease(evidence.name())).append('\n').append(leaseLine(evidence.checkpointLease())).append('\n');
    if (evidence.checkpointLease() != null) {
      holderHistory(evidence.checkpointLease()).forEach(t -> out.append("  taken by ").append(t.holder()).append(" at ")
          .append(t.acquired()).append('\n'));
    }
    out.append("\n== spec record ").append(DriverNames.specConfigMap(evidence.name())).append('\n');
    if (evidence.specRecord() == null) {
      out.append("(none: no driver was started yet, or it was deleted)\n");
    } else {
      Map<String, String> a = evidence.specRecord().getMetadata().getAnnotations() == null ? Map.of()
          : evidence.specRecord().getMetadata().getAnnotations();
      out.append("written for generation ").append(a.get(SpecRecordNames.ANNOTATION_GENERATION)).append(", epoch ")
          .append(a.get(SpecRecordNames.ANNOTATION_EPOCH)).append('\n');
    }
    out.append("\n== operator\n").append(operatorState(evidence)).append('\n');
    evidence.operatorLog().forEach(l -> out.append("  ").append(l).append('\n'));
    if (!evidence.unreadable().isEmpty()) {
      out.append("\n== could not read\n");
      evidence.unreadable().forEach(u -> out.append(u).append('\n'));
    }
    return out.toString();
  }

  /**
   * Writes the report and everything it rests on into {@code dir}: {@code why.txt},
   * {@code pipeline.yaml}, {@code pods.yaml}, {@code events.yaml}, {@code leases.yaml},
   * {@code spec-record.yaml} and {@code logs/<pod>.log} (the operator's whole log included).
   */
  public void write(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("logs"));
    Files.writeString(dir.resolve("why.txt"), text());
    Files.writeString(dir.resolve("pipeline.yaml"), evidence.pipeline() == null ? "" : Serialization.asYaml(evidence.pipeline()));
    Files.writeString(dir.resolve("pods.yaml"), Serialization.asYaml(evidence.pods()));
    Files.writeString(dir.resolve("events.yaml"), Serialization.asYaml(evidence.events()));
    List<Lease> leases = new ArrayList<>();
    if (evidence.checkpointLease() != null) {
      leases.add(evidence.checkpointLease());
    }
    if (evidence.operatorLeader() != null) {
      leases.add(evidence.operatorLeader());
    }
    Files.writeString(dir.resolve("leases.yaml"), Serialization.asYaml(leases));
    Files.writeString(dir.resolve("spec-record.yaml"), evidence.specRecord() == null ? "" : Serialization.asYaml(evidence.specRecord()));
    for (var log : evidence.logs().entrySet()) {
      Files.writeString(dir.resolve("logs").resolve(log.getKey() + ".log"), log.getValue());
    }
  }

  private static List<String> driverFindings(PipelineEvidence e, Pod driver) {
    List<String> out = new ArrayList<>();
    String pod = driver.getMetadata().getName();
    ContainerState state = driverState(driver);
    if (state != null && state.getTerminated() != null) {
      var t = state.getTerminated();
      int code = t.getExitCode() == null ? -1 : t.getExitCode();
      String message = t.getMessage() == null || t.getMessage().isBlank() ? "" : ": " + lastLine(t.getMessage());
      String line = "driver " + pod + " exited " + code + " (" + meaning(code, t.getReason()) + ")"
          + (t.getFinishedAt() == null ? "" : " at " + t.getFinishedAt()) + message;
      if (code == RunnerExitCodes.LEASE_LOST && e.checkpointLease() != null) {
        LeaseHolders.Tenure next = LeaseHolders.takenFrom(holderHistory(e.checkpointLease()), pod);
        line += next == null ? "; the checkpoint Lease is now " + leaseLine(e.checkpointLease())
            : "; " + next.holder() + " took the checkpoint Lease at " + next.acquired();
      }
      out.add(line);
    } else if (driver.getMetadata().getDeletionTimestamp() != null) {
      out.add("driver " + pod + " is stopping (deletion asked at " + driver.getMetadata().getDeletionTimestamp()
          + ", grace " + driver.getMetadata().getDeletionGracePeriodSeconds() + " s)");
    } else if (state != null && state.getWaiting() != null) {
      out.add("driver " + pod + " is waiting: " + state.getWaiting().getReason()
          + (state.getWaiting().getMessage() == null ? "" : ": " + state.getWaiting().getMessage()));
    } else if (driver.getStatus() != null && "Pending".equals(driver.getStatus().getPhase())) {
      var scheduled = driver.getStatus().getConditions() == null ? null : driver.getStatus().getConditions().stream()
          .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())).findFirst().orElse(null);
      out.add("driver " + pod + " is Pending" + (scheduled == null ? "" : ": " + scheduled.getReason() + ": " + scheduled.getMessage()));
    }
    return out;
  }

  /** Driver pods whose container has not terminated, deleting ones included: a stopping driver can still commit. */
  public static List<String> runningDrivers(List<Pod> pods) {
    return pods.stream().filter(p -> "driver".equals(PipelineEvidence.label(p, DriverNames.SPARK_ROLE)))
        .filter(p -> {
          ContainerState s = driverState(p);
          return s != null && s.getRunning() != null;
        }).map(p -> p.getMetadata().getName()).toList();
  }

  private static ContainerState driverState(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().stream().findFirst().map(ContainerStatus::getState).orElse(null);
  }

  /** What a runner exit code means (RunnerExitCodes, the operator's contract with the runner). */
  static String meaning(int code, String reason) {
    return switch (code) {
      case RunnerExitCodes.OK -> "stopped gracefully";
      case RunnerExitCodes.QUERY_FAILED -> "a streaming query failed; a restart resumes from the checkpoint";
      case RunnerExitCodes.INVALID -> "the runner refused the spec";
      case RunnerExitCodes.INCOMPATIBLE_CHECKPOINT -> "the checkpoint cannot be resumed with this spec";
      case RunnerExitCodes.LEASE_LOST -> "another driver took the checkpoint Lease, or it could not be renewed";
      case 137 -> "killed (SIGKILL" + ("OOMKilled".equals(reason) ? ", out of memory" : "") + ")";
      case 143 -> "terminated (SIGTERM) before stopping gracefully";
      default -> reason == null ? "unexpected exit" : reason;
    };
  }

  private static String podLine(Pod pod) {
    StringBuilder b = new StringBuilder(pod.getMetadata().getName()).append(' ')
        .append(pod.getStatus() == null ? "?" : pod.getStatus().getPhase());
    String role = PipelineEvidence.label(pod, DriverNames.SPARK_ROLE);
    b.append(" role=").append(role).append(" attempt=").append(PipelineEvidence.label(pod, DriverNames.LABEL_ATTEMPT))
        .append(" generation=").append(PipelineEvidence.label(pod, DriverNames.LABEL_GENERATION))
        .append(" uid=").append(pod.getMetadata().getUid()).append(" created=").append(pod.getMetadata().getCreationTimestamp());
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      b.append(" deleting-since=").append(pod.getMetadata().getDeletionTimestamp());
    }
    ContainerState s = driverState(pod);
    if (s != null && s.getRunning() != null) {
      b.append(" running-since=").append(s.getRunning().getStartedAt());
    } else if (s != null && s.getTerminated() != null) {
      b.append(" exited=").append(s.getTerminated().getExitCode()).append(" (").append(s.getTerminated().getReason())
          .append(")").append(s.getTerminated().getFinishedAt() == null ? "" : " at " + s.getTerminated().getFinishedAt());
      if (s.getTerminated().getMessage() != null && !s.getTerminated().getMessage().isBlank()) {
        b.append("\n    termination message: ").append(lastLine(s.getTerminated().getMessage()));
      }
    } else if (s != null && s.getWaiting() != null) {
      b.append(" waiting=").append(s.getWaiting().getReason());
    }
    return b.toString();
  }

  /** The Lease's takings, oldest first ({@link LeaseHolders}); empty when the runner wrote none. */
  static List<LeaseHolders.Tenure> holderHistory(Lease lease) {
    Map<String, String> a = lease.getMetadata().getAnnotations();
    return a == null ? List.of() : LeaseHolders.parse(a.get(LeaseHolders.ANNOTATION));
  }

  static String leaseLine(Lease lease) {
    if (lease == null) {
      return "(none)";
    }
    var s = lease.getSpec();
    String holder = s.getHolderIdentity() == null || s.getHolderIdentity().isEmpty() ? "free" : "held by " + s.getHolderIdentity();
    return holder + " since " + s.getAcquireTime() + ", renewed " + s.getRenewTime() + ", " + s.getLeaseTransitions()
        + " transitions, duration " + s.getLeaseDurationSeconds() + " s";
  }

  private static String operatorState(PipelineEvidence e) {
    if (e.operatorPod() == null) {
      return "no operator pod found" + (e.unreadable().stream().anyMatch(u -> u.startsWith("the operator's pods"))
          ? " (its namespace cannot be read with these credentials)" : "");
    }
    return "operator pod " + e.operatorPod() + (e.operatorLeader() == null ? "" : "; leader Lease " + leaseLine(e.operatorLeader()));
  }

  private static String lastEventAbout(PipelineEvidence e, String object) {
    List<Event> about = e.events().stream().filter(ev -> object.equals(ev.getInvolvedObject().getName())).toList();
    String pipelineSays = e.events().stream().filter(ev -> e.name().equals(ev.getInvolvedObject().getName())
        && ev.getMessage() != null && ev.getMessage().contains(object)).map(ev -> PipelineEvidence.eventTime(ev) + " "
        + ev.getReason() + ": " + ev.getMessage()).reduce((a, b) -> b).orElse(null);
    String last = about.isEmpty() ? null : about.stream().map(ev -> PipelineEvidence.eventTime(ev) + " " + ev.getReason() + ": "
        + ev.getMessage()).collect(Collectors.toList()).get(about.size() - 1);
    return last != null ? "; its last event: " + last : pipelineSays != null ? "; last said of it: " + pipelineSays : " (no event names it)";
  }

  private static String lastLine(String s) {
    List<String> lines = s.strip().lines().filter(l -> !l.isBlank()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }
}
