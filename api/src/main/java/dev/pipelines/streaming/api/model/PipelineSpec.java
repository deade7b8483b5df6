package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record PipelineSpec(
    @JsonPropertyDescription("Named inputs: kafka, files, socket or generator.")
    List<SourceSpec> sources,
    @JsonPropertyDescription("Named steps, each reading from sources or other transforms.")
    List<TransformSpec> transforms,
    @JsonPropertyDescription("Named outputs; each becomes one streaming query with its own checkpoint.")
    List<SinkSpec> sinks,
    @JsonPropertyDescription("Extra Spark configuration (keys start with 'spark.').")
    Map<String, String> sparkConf,
    @JsonPropertyDescription("Kubernetes: runner image; default set by the operator.") String image,
    @JsonPropertyDescription("Kubernetes: driver cores and memory.") ResourcesSpec driver,
    @JsonPropertyDescription("Kubernetes: executor cores, memory and count.") ResourcesSpec executor,
    @JsonPropertyDescription("Kubernetes: pod templates for driver and executors.") PodTemplatesSpec podTemplates,
    @JsonPropertyDescription("Kubernetes: where checkpoints live (required there).") CheckpointSpec checkpoint,
    @JsonPropertyDescription("Kubernetes: restarts after the driver ends.") RestartPolicySpec restartPolicy,
    @JsonPropertyDescription("Kubernetes: how spec changes roll out.") UpgradeSpec upgrade,
    @JsonPropertyDescription("Kubernetes: true stops the driver and keeps the checkpoint; false resumes.") Boolean suspend,
    @JsonPropertyDescription("Kubernetes: scale executors in place on input rate and Kafka lag.") AutoscalingSpec autoscaling) {

  public List<SourceSpec> sourcesOrEmpty() {
    return sources == null ? List.of() : sources;
  }

  public List<TransformSpec> transformsOrEmpty() {
    return transforms == null ? List.of() : transforms;
  }

  /** The watermark the source or transform named {@code name} declares; null without one, or without such an input. */
  public WatermarkSpec watermarkOf(String name) {
    for (SourceSpec s : sourcesOrEmpty()) {
      if (s != null && name.equals(s.name())) {
        return s.watermark();
      }
    }
    for (TransformSpec t : transformsOrEmpty()) {
      if (t != null && name.equals(t.name())) {
        return t.watermark();
      }
    }
    return null;
  }

  /**
   * Every input {@code from} reads, itself first, then what it reads, breadth first: transforms
   * and, at the ends, sources. Safe on cycles and unknown names (they end the walk).
   */
  public Set<String> lineage(String from) {
    Map<String, TransformSpec> transforms = new LinkedHashMap<>();
    transformsOrEmpty().stream().filter(t -> t != null && t.name() != null).forEach(t -> transforms.putIfAbsent(t.name(), t));
    if (DEAD_LETTERS.equals(from)) {
      Set<String> all = new LinkedHashSet<>(List.of(DEAD_LETTERS));
      deadLetterInputs().forEach(input -> all.addAll(lineage(transforms, input)));
      return all;
    }
    return lineage(transforms, from);
  }

  /**
   * The input name a sink reads to get the pipeline's dead letters ({@code from: deadLetters}):
   * rows of parsing sources that do not parse, and rows violating a rule with
   * {@code onViolation: deadLetter}. No source or transform may take this name.
   */
  public static final String DEAD_LETTERS = "deadLetters";

  /** Whether a sink reads {@link #DEAD_LETTERS}: only then are unparsable rows routed anywhere. */
  @JsonIgnore
  public boolean hasDeadLetterSink() {
    return sinksOrEmpty().stream().anyMatch(s -> s != null && DEAD_LETTERS.equals(s.from()));
  }

  /**
   * The steps whose rows can become dead letters when a sink reads {@link #DEAD_LETTERS}: every
   * source that parses its rows, every transform with a {@code deadLetter} rule, and the input of
   * every other sink with one. Their lineage is what the dead-letter query reads.
   */
  @JsonIgnore
  public List<String> deadLetterInputs() {
    List<String> inputs = new ArrayList<>();
    sourcesOrEmpty().stream().filter(s -> s != null && s.name() != null && s.parsesRows()).forEach(s -> inputs.add(s.name()));
    transformsOrEmpty().stream().filter(t -> t != null && t.name() != null && routesToDeadLetters(t.expectationsOrEmpty()))
        .forEach(t -> inputs.add(t.name()));
    sinksOrEmpty().stream().filter(s -> s != null && s.from() != null && !DEAD_LETTERS.equals(s.from())
        && routesToDeadLetters(s.expectationsOrEmpty())).forEach(s -> inputs.add(s.from()));
    return inputs;
  }

  /** Names of the HTTP sinks whose failed deliveries go to the dead letters ({@code onDeliveryFailure: deadLetter}). */
  @JsonIgnore
  public List<String> deadLetteringHttpSinks() {
    return sinksOrEmpty().stream().filter(s -> s != null && s.http() != null
        && s.http().onDeliveryFailureOrDefault() == HttpSinkSpec.DeliveryFailure.DEAD_LETTER).map(SinkSpec::name).toList();
  }

  /** Whether any of the rules sends its violations to the dead letters. */
  public static boolean routesToDeadLetters(List<ExpectationSpec> rules) {
    return rules.stream().anyMatch(e -> e != null && e.onViolationOrDefault() == ExpectationSpec.OnViolation.DEAD_LETTER);
  }

  /**
   * The same walk over transforms already indexed by name (the first of a duplicated name);
   * null {@code from} entries of broken specs are skipped.
   */
  public static Set<String> lineage(Map<String, TransformSpec> transformsByName, String from) {
    Set<String> seen = new LinkedHashSet<>();
    if (from == null) {
      return seen;
    }
    List<String> todo = new ArrayList<>(List.of(from));
    while (!todo.isEmpty()) {
      String n = todo.remove(0);
      if (seen.add(n) && transformsByName.containsKey(n)) {
        transformsByName.get(n).fromOrEmpty().stream().filter(x -> x != null).forEach(todo::add);
      }
    }
    return seen;
  }

  public List<SinkSpec> sinksOrEmpty() {
    return sinks == null ? List.of() : sinks;
  }

  public ResourcesSpec driverOrDefault() {
    return driver == null ? new ResourcesSpec(null, null, null) : driver;
  }

  public ResourcesSpec executorOrDefault() {
    return executor == null ? new ResourcesSpec(null, null, null) : executor;
  }

  public RestartPolicySpec restartPolicyOrDefault() {
    return restartPolicy == null ? RestartPolicySpec.DEFAULTS : restartPolicy;
  }

  public UpgradeSpec upgradeOrDefault() {
    return upgrade == null ? UpgradeSpec.DEFAULTS : upgrade;
  }

  public boolean suspended() {
    return Boolean.TRUE.equals(suspend);
  }

  public Map<String, String> sparkConfOrEmpty() {
    return sparkConf == null ? Map.of() : sparkConf;
  }
}
