package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.status.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Sets conditions the Kubernetes way: lastTransitionTime moves only when the status flips. */
public final class Conditions {
  private Conditions() {}

  public static List<Condition> set(List<Condition> current, String type, boolean status, String reason, String message,
      Instant now, long generation) {
    String value = status ? "True" : "False";
    List<Condition> out = new ArrayList<>();
    boolean replaced = false;
    for (Condition c : current) {
      if (c.type().equals(type)) {
        String since = value.equals(c.status()) && c.lastTransitionTime() != null ? c.lastTransitionTime() : now.toString();
        out.add(new Condition(type, value, reason, message, since, generation));
        replaced = true;
      } else {
        out.add(c);
      }
    }
    if (!replaced) {
      out.add(new Condition(type, value, reason, message, now.toString(), generation));
    }
    return out;
  }

  public static Condition find(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
  }

  /** The list without the condition of this type. */
  public static List<Condition> remove(List<Condition> conditions, String type) {
    return conditions.stream().filter(c -> !c.type().equals(type)).toList();
  }
}
