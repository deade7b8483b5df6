package dev.pipelines.streaming.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;

/** Adds to the generated CRD what Java types cannot express. */
final class CrdCustomizer {
  static final YAMLMapper YAML = new YAMLMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE));

  private CrdCustomizer() {}

  static String customize(String generated) throws IOException {
    ObjectNode crd = (ObjectNode) YAML.readTree(generated);
    ObjectNode version = (ObjectNode) crd.at("/spec/versions/0");
    ArrayNode columns = version.putArray("additionalPrinterColumns");
    column(columns, "Phase", "string", ".status.phase", "Pending, Starting, Running, Upgrading, Restarting, Suspended, Completed, Failed");
    column(columns, "Input/s", "number", ".status.progress.inputRowsPerSecond", "Rows read per second");
    column(columns, "Lag", "integer", ".status.progress.lag", "Kafka offsets behind the latest");
    column(columns, "Executors", "integer", ".status.progress.executors", "Running executors");
    column(columns, "Restarts", "integer", ".status.restarts.count", "Driver restarts since the last healthy period");
    column(columns, "Age", "date", ".metadata.creationTimestamp", null);

    ObjectNode spec = (ObjectNode) version.at("/schema/openAPIV3Schema/properties/spec");
    spec.putArray("required").add("sources").add("sinks");
    JsonNode props = spec.get("properties");
    stringOrList(crd.at("/spec/versions/0/schema/openAPIV3Schema"));
    for (String list : new String[] {"sources", "transforms", "sinks"}) {
      maxLength(items(props, list).get("properties").get("name"), 63); // bounds CEL cost of name rules
    }
    limit(props, "sources", 50);
    limit(props, "transforms", 100);
    limit(props, "sinks", 50);
    rule(spec, "self.sources.all(s, self.sources.exists_one(t, t.name == s.name))",
        "source names must be unique", "spec.sources");
    rule(spec, "self.sinks.all(s, self.sinks.exists_one(t, t.name == s.name))",
        "sink names must be unique", "spec.sinks");
    rule(spec, "!has(self.transforms) || self.transforms.all(t, !self.sources.exists(s, s.name == t.name))",
        "a transform cannot have the name of a source", "spec.transforms");
    oneOf(items(props, "sources"), "kafka", "files", "socket", "generator", "jdbc");
    oneOf(items(props, "sinks"), "console", "files", "kafka", "jdbc", "mongodb", "http");
    oneOf(items(props, "transforms"), "filter", "select", "sql", "window", "join", "dedupe", "anomaly");
    ObjectNode window = (ObjectNode) items(props, "transforms").get("properties").get("window");
    for (String d : new String[] {"size", "slide", "gap"}) {
      maxLength(window.get("properties").get(d), 32);
    }
    String duration = "'^[0-9]+(ms|s|m|h)$'";
    rule(window, "!has(self.slide) || !has(self.size) || !self.size.matches(" + duration + ") || !self.slide.matches("
        + duration + ") || duration(self.slide) <= duration(self.size)",
        "a sliding window's slide must be at most its size", null);
    ObjectNode checkpoint = (ObjectNode) props.get("checkpoint");
    rule(checkpoint, "has(self.location) != has(self.pvc)", "set location or pvc, not both", null);
    return YAML.writeValueAsString(crd);
  }

  /**
   * Every list of strings in the model also accepts a single string (from: clicks); a
   * structural schema cannot say "string or array", so such fields keep an open shape here
   * and the operator's validator checks them (with field paths, in status and events).
   */
  private static void stringOrList(JsonNode node) {
    if (node.isObject()) {
      JsonNode properties = node.get("properties");
      if (properties != null) {
        properties.fields().forEachRemaining(field -> {
          JsonNode schema = field.getValue();
          if ("array".equals(schema.path("type").asText()) && "string".equals(schema.path("items").path("type").asText())) {
            ObjectNode replaced = ((ObjectNode) properties).putObject(field.getKey());
            if (schema.has("description")) {
              replaced.put("description", schema.get("description").asText());
            }
            // CEL cannot see untyped fields; the operator's validator checks their shape.
            replaced.put("x-kubernetes-preserve-unknown-fields", true);
          }
        });
      }
      node.elements().forEachRemaining(CrdCustomizer::stringOrList);
    } else if (node.isArray()) {
      node.elements().forEachRemaining(CrdCustomizer::stringOrList);
    }
  }

  private static void column(ArrayNode columns, String name, String type, String path, String description) {
    ObjectNode c = columns.addObject().put("name", name).put("type", type).put("jsonPath", path);
    if (description != null) {
      c.put("description", description);
    }
  }

  private static ObjectNode items(JsonNode props, String list) {
    return (ObjectNode) props.get(list).get("items");
  }

  private static void limit(JsonNode props, String list, int max) {
    ((ObjectNode) props.get(list)).put("maxItems", max); // bounds the cost of CEL rules over the list
  }

  private static void maxLength(JsonNode schema, int max) {
    ((ObjectNode) schema).put("maxLength", max);
  }

  /** Exactly one kind set; kinds without a typed schema (string-or-list) are left to the operator. */
  private static void oneOf(ObjectNode item, String... all) {
    String[] kinds = java.util.Arrays.stream(all).filter(k -> item.get("properties").get(k).has("type")).toArray(String[]::new);
    StringBuilder count = new StringBuilder("[");
    for (int i = 0; i < kinds.length; i++) {
      count.append(i == 0 ? "" : ", ").append("has(self.").append(kinds[i]).append(")");
    }
    // "at most one" when some kinds are invisible to CEL; "none" is then the operator's to report.
    boolean allTyped = kinds.length == all.length;
    count.append("].filter(x, x).size() ").append(allTyped ? "== 1" : "<= 1");
    rule(item, count.toString(), (allTyped ? "set exactly one of " : "set only one of ") + String.join(", ", all), null);
    ((ObjectNode) item).putArray("required").add("name");
  }

  private static void rule(ObjectNode schema, String rule, String message, String fieldPath) {
    ArrayNode rules = schema.has("x-kubernetes-validations")
        ? (ArrayNode) schema.get("x-kubernetes-validations") : schema.putArray("x-kubernetes-validations");
    ObjectNode r = rules.addObject().put("rule", rule).put("message", message);
    if (fieldPath != null) {
      r.put("fieldPath", "." + fieldPath.substring(fieldPath.indexOf('.') + 1));
    }
  }
}
