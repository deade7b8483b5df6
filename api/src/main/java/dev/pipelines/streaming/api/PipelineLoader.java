package dev.pipelines.streaming.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.PipelineValidator;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.api.validation.ShapeChecker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a StreamingPipeline from YAML or JSON (JSON is YAML) and validates it:
 * syntax, then shape (unknown fields, wrong types), then meaning. Never throws for a user
 * mistake; every problem comes back with its field path.
 */
public final class PipelineLoader {
  private static final ObjectMapper YAML = configure(new YAMLMapper(new YAMLFactory()));
  private static final ObjectMapper JSON = configure(new JsonMapper());

  private PipelineLoader() {}

  public static LoadResult load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      return LoadResult.failed(Problem.at("", "file not found: " + file));
    } catch (IOException e) {
      return LoadResult.failed(Problem.at("", "cannot read " + file + ": " + e.getMessage()));
    }
    return parse(text);
  }

  public static LoadResult parse(String text) {
    JsonNode tree;
    try {
      tree = YAML.readTree(text);
    } catch (JsonProcessingException e) {
      return LoadResult.failed(Problem.at("", "not valid YAML: " + e.getOriginalMessage().strip()
          + location(e)));
    }
    if (tree == null || tree.isMissingNode() || tree.isNull()) {
      return LoadResult.failed(Problem.at("", "the file is empty", "start from a file in examples/"));
    }
    List<Problem> shape = new ShapeChecker(YAML).check(tree, StreamingPipeline.class);
    if (!shape.isEmpty()) {
      List<Problem> notAPipeline = resource(tree);
      // another kind of document: its fields are not a pipeline's, and listing them is noise
      return new LoadResult(null, notAPipeline.isEmpty() ? shape : notAPipeline);
    }
    StreamingPipeline pipeline;
    try {
      pipeline = YAML.treeToValue(tree, StreamingPipeline.class);
    } catch (JsonProcessingException e) {
      // The shape checker should have caught it; still never a stack trace for the user.
      return LoadResult.failed(Problem.at("", e.getOriginalMessage()));
    }
    return new LoadResult(pipeline, PipelineValidator.validate(pipeline));
  }

  /** A document whose kind or apiVersion says it is something else (a ConfigMap, another API). */
  private static List<Problem> resource(JsonNode tree) {
    JsonNode kind = tree.path("kind");
    JsonNode apiVersion = tree.path("apiVersion");
    List<Problem> problems = new java.util.ArrayList<>();
    if (kind.isTextual() && !StreamingPipeline.KIND.equals(kind.asText())) {
      problems.add(Problem.at("kind", "must be " + StreamingPipeline.KIND + ", got '" + kind.asText() + "'",
          "this file is not a pipeline; start from a file in examples/"));
    }
    if (apiVersion.isTextual() && !StreamingPipeline.API_VERSION.equals(apiVersion.asText()) && !problems.isEmpty()) {
      problems.add(0, Problem.at("apiVersion", "must be " + StreamingPipeline.API_VERSION + ", got '"
          + apiVersion.asText() + "'"));
    }
    return problems;
  }

  /** The mapper used for pipelines, for callers that write them back (JSON). */
  public static ObjectMapper jsonMapper() {
    return JSON;
  }

  public static ObjectMapper yamlMapper() {
    return YAML;
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
        + ", column " + e.getLocation().getColumnNr();
  }

  private static ObjectMapper configure(ObjectMapper mapper) {
    return mapper.configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .findAndRegisterModules();
  }
}
