package dev.pipelines.streaming.operator.autoscale;

/** Whether to change the executor count, to what, and why (for status and events). */
public record ScalingDecision(int current, int desired, boolean scale, String reason, ScalingState state) {}
