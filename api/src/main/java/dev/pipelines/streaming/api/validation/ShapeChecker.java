package dev.pipelines.streaming.api.validation;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a parsed YAML/JSON tree against the model classes before binding, so that every
 * unknown field and every wrong type is reported with its path (Jackson's binding stops at
 * the first one). The model classes are the schema: nothing here names a field.
 */
public final class ShapeChecker {
  private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d+");
  private static final Pattern SIMPLE_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final ObjectMapper mapper;

  public ShapeChecker(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public List<Problem> check(JsonNode root, Class<?> type) {
    List<Problem> problems = new ArrayList<>();
    walk(root, mapper.constructType(type), "", problems);
    return problems;
  }

  private void walk(JsonNode node, JavaType type, String path, List<Problem> out) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return; // absent: whether it is required is the validator's business
    }
    Class<?> raw = type.getRawClass();
    if (raw == Object.class || JsonNode.class.isAssignableFrom(raw)) {
      return; // free-form by design (e.g. a pod template): Kubernetes checks it
    }
    if (raw == String.class) {
      if (!node.isValueNode()) {
        out.add(Problem.at(path, "expected a string, got " + describe(node)));
      }
    } else if (raw == Integer.class || raw == Long.class || raw == int.class || raw == long.class) {
      boolean ok = node.isIntegralNumber() || (node.isTextual() && WHOLE_NUMBER.matcher(node.asText()).matches());
      if (!ok) {
        out.add(Problem.at(path, "expected a whole number, got " + describe(node)));
      }
    } else if (raw == Double.class || raw == double.class) {
      if (!node.isNumber()) {
        out.add(Problem.at(path, "expected a number, got " + describe(node)));
      }
    } else if (raw == Boolean.class || raw == boolean.class) {
      boolean ok = node.isBoolean() || (node.isTextual() && Set.of("true", "false").contains(node.asText()));
      if (!ok) {
        out.add(Problem.at(path, "expected true or false, got " + describe(node)));
      }
    } else if (raw.isEnum()) {
      checkEnum(node, raw, path, out);
    } else if (type.isCollectionLikeType()) {
      checkList(node, type, path, out);
    } else if (type.isMapLikeType()) {
      checkMap(node, type, path, out);
    } else {
      checkObject(node, type, path, out);
    }
  }

  private void checkEnum(JsonNode node, Class<?> raw, String path, List<Problem> out) {
    List<String> allowed = Arrays.stream(raw.getEnumConstants())
        .map(c -> mapper.convertValue(c, String.class))
        .toList();
    if (!node.isTextual()) {
      out.add(Problem.at(path, "expected one of " + String.join(", ", allowed) + ", got " + describe(node)));
    } else if (!allowed.contains(node.asText())) {
      out.add(Problem.at(path, "unknown value '" + node.asText() + "'", Suggestions.hint(node.asText(), allowed)));
    }
  }

  private void checkList(JsonNode node, JavaType type, String path, List<Problem> out) {
    JavaType element = type.getContentType();
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        walk(node.get(i), element, path + "[" + i + "]", out);
      }
    } else if (!(node.isValueNode() && element.getRawClass() == String.class)) {
      // A single string stands for a one-element list of strings (e.g. from: clicks).
      out.add(Problem.at(path, "expected a list, got " + describe(node), "start each item with '- '"));
    }
  }

  private void checkMap(JsonNode node, JavaType type, String path, List<Problem> out) {
    if (!node.isObject()) {
      out.add(Problem.at(path, "expected a map of key: value, got " + describe(node)));
      return;
    }
    node.fields().forEachRemaining(e -> walk(e.getValue(), type.getContentType(), child(path, e.getKey()), out));
  }

  private void checkObject(JsonNode node, JavaType type, String path, List<Problem> out) {
    Map<String, JavaType> fields = fieldsOf(type);
    if (!node.isObject()) {
      out.add(Problem.at(path, "expected an object with fields " + String.join(", ", fields.keySet())
          + ", got " + describe(node)));
      return;
    }
    Collection<String> ignored = ignoredFields(type.getRawClass());
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JavaType fieldType = fields.get(field.getKey());
      if (fieldType != null) {
        walk(field.getValue(), fieldType, child(path, field.getKey()), out);
      } else if (!ignored.contains(field.getKey())) {
        String inside = siblingDeclaring(node, fields, field.getKey());
        out.add(Problem.at(child(path, field.getKey()), "unknown field", inside != null
            ? "did you mean " + inside + "." + field.getKey() + "? it goes inside " + inside
            : Suggestions.hint(field.getKey(), fields.keySet())));
      }
    }
  }

  /**
   * The field present next to {@code name} whose own object declares {@code name}: a natural
   * mistake is writing a nested setting one level too high ({@code groupBy} next to
   * {@code window} instead of inside it).
   */
  private String siblingDeclaring(JsonNode node, Map<String, JavaType> fields, String name) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String sibling = it.next();
      JavaType type = fields.get(sibling);
      if (type != null && node.get(sibling).isObject() && !type.isContainerType() && !type.isPrimitive()
          && type.getRawClass().isRecord() && fieldsOf(type).containsKey(name)) {
        return sibling;
      }
    }
    return null;
  }

  private Map<String, JavaType> fieldsOf(JavaType type) {
    Map<String, JavaType> fields = new LinkedHashMap<>();
    for (BeanPropertyDefinition p : mapper.getDeserializationConfig().introspect(type).findProperties()) {
      fields.put(p.getName(), p.getPrimaryType());
    }
    return fields;
  }

  private static Collection<String> ignoredFields(Class<?> raw) {
    JsonIgnoreProperties ignore = raw.getAnnotation(JsonIgnoreProperties.class);
    return ignore == null ? List.of() : List.of(ignore.value());
  }

  private static String child(String path, String key) {
    if (!SIMPLE_KEY.matcher(key).matches()) {
      return path + "[\"" + key + "\"]";
    }
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String describe(JsonNode node) {
    if (node.isObject()) return "an object";
    if (node.isArray()) return "a list";
    if (node.isTextual()) return "\"" + node.asText() + "\"";
    return node.toString();
  }
}
