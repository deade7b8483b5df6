package dev.pipelines.streaming.autoscaler;

/**
 * One decision: the executor count wanted and why, and the state to keep whether or not it is
 * carried out (a dry run, or a failed request, keeps {@code held}).
 *
 * @param current the executor total requested before the decision
 * @param desired what the autoscaler wants (equal to current when holding)
 * @param scale whether to act: request {@code desired} executors
 * @param reason one line for status and Events: the load, the need and the rule that decided
 * @param applied the state to store before acting
 * @param held the state to store when not acting
 * @param warning set once, when a scale-up is found ineffective: the Event's message
 */
public record ScalingDecision(int current, int desired, boolean scale, String reason, ScalingState applied,
    ScalingState held, String warning) {}
