package dev.pipelines.streaming.operator.gitops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** docs/argocd/health.lua against sample pipelines, as Argo CD would run it. */
class ArgoCdHealthCheckTest {
  static final Path SCRIPT = Path.of("..", "docs", "argocd", "health.lua");
  static final ObjectMapper YAML = new YAMLMapper();

  @ParameterizedTest(name = "{1} -> {2}")
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "1 | -                                                                | Progressing | Waiting for the operator to pick up the pipeline",
      "2 | {phase: Running, observedGeneration: 1}                          | Progressing | Waiting for the operator to act on generation 2",
      "1 | {phase: Starting, message: driver p-driver-1 is starting}       | Progressing | driver p-driver-1 is starting",
      "1 | {phase: Upgrading, message: stopping p-driver-1}                | Progressing | stopping p-driver-1",
      "1 | {phase: Running, message: driver p-driver-1 is running, conditions: [{type: Ready, status: 'True'}, {type: Degraded, status: 'False'}]} | Healthy | driver p-driver-1 is running",
      "1 | {phase: Running, conditions: [{type: Ready, status: 'True'}, {type: Degraded, status: 'True', reason: NoProgress, message: no batch completed since 10:00}]} | Degraded | no batch completed since 10:00",
      "1 | {phase: Running, message: old driver runs, conditions: [{type: Ready, status: 'False', reason: IncompatibleChange, message: 'spec.transforms[0].window.groupBy: changed'}]} | Degraded | spec.transforms[0].window.groupBy: changed",
      "1 | {phase: Running, message: old driver runs, conditions: [{type: Ready, status: 'False', reason: UnknownCheckpointSpec, message: 'ConfigMap p-spec is missing'}]} | Degraded | ConfigMap p-spec is missing",
      "1 | {phase: Running, message: driver p-driver-1 is running, conditions: [{type: Ready, status: 'False', reason: WaitingForFirstBatch, message: no batch yet}]} | Progressing | driver p-driver-1 is running",
      "1 | {phase: Failed, message: failed, conditions: [{type: Ready, status: 'False', reason: InvalidSpec, message: 'spec.sinks[0].from: unknown input'}]} | Degraded | spec.sinks[0].from: unknown input",
      "1 | {phase: Running, message: old driver runs, conditions: [{type: Ready, status: 'False', reason: NotAllowed, message: 'spec.image: not allowed'}]} | Degraded | spec.image: not allowed",
      "1 | {phase: Restarting, message: restart 2 of 10 in 20s, conditions: [{type: Degraded, status: 'True', reason: DriverFailed, message: exit code 1}]} | Degraded | exit code 1",
      "1 | {phase: Suspended, message: suspended; checkpoint kept}         | Suspended | suspended; checkpoint kept",
      "1 | {phase: Completed, message: the driver finished}                | Healthy | the driver finished",
  })
  void statusMapsToArgoCdHealth(int generation, String status, String health, String message) throws IOException {
    JsonNode pipeline = YAML.readTree("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p, namespace: ns, generation: %d}
        """.formatted(generation) + (status == null ? "" : "status: " + status + "\n"));
    if (status != null && !status.contains("observedGeneration")) {
      ((ObjectNode) pipeline.get("status")).put("observedGeneration", generation);
    }

    Globals lua = JsePlatform.standardGlobals();
    lua.set("obj", toLua(pipeline));
    LuaValue hs = lua.load(Files.readString(SCRIPT), "health.lua").call();

    assertThat(hs.get("status").tojstring()).isEqualTo(health);
    assertThat(hs.get("message").tojstring()).isEqualTo(message);
  }

  /** The script names every phase the operator writes (dev.pipelines.streaming.api.status.Phase). */
  @org.junit.jupiter.api.Test
  void everyPhaseIsHandled() throws IOException {
    String script = Files.readString(SCRIPT);
    for (dev.pipelines.streaming.api.status.Phase phase : dev.pipelines.streaming.api.status.Phase.values()) {
      assertThat(script).as("health.lua on phase " + phase.value()).contains(phase.value());
    }
  }

  /** JSON as Argo CD hands it to Lua: objects and arrays become tables (arrays 1-based). */
  static LuaValue toLua(JsonNode node) {
    if (node.isObject()) {
      LuaTable t = new LuaTable();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        t.set(e.getKey(), toLua(e.getValue()));
      }
      return t;
    }
    if (node.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < node.size(); i++) {
        t.set(i + 1, toLua(node.get(i)));
      }
      return t;
    }
    if (node.isNumber()) {
      return LuaValue.valueOf(node.asDouble());
    }
    if (node.isBoolean()) {
      return LuaValue.valueOf(node.asBoolean());
    }
    return node.isNull() ? LuaValue.NIL : LuaValue.valueOf(node.asText());
  }
}
