package dev.pipelines.streaming.api;

/**
 * Where the operator records the spec it last handed to a driver: ConfigMap {@code <name>-spec}
 * in the pipeline's namespace, key {@code pipeline.yaml}, written before every start. The
 * operator checks a new generation against it; {@code spo plan --from-cluster} reads it too.
 */
public final class SpecRecordNames {
  /** The ConfigMap key holding the spec (also the file name in the driver's spec volume). */
  public static final String SPEC_FILE = "pipeline.yaml";
  /** Annotation on the ConfigMap: the checkpoint epoch the spec was handed to. */
  public static final String ANNOTATION_EPOCH = "streaming.pipelines.dev/checkpoint-epoch";
  /** Annotation on the ConfigMap: the pipeline generation whose spec it holds. */
  public static final String ANNOTATION_GENERATION = "streaming.pipelines.dev/generation";

  private SpecRecordNames() {}

  /** The ConfigMap's name for pipeline {@code pipeline}. */
  public static String configMap(String pipeline) {
    return pipeline + "-spec";
  }
}
