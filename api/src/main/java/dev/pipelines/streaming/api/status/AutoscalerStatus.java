package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The autoscaler's last decision: what it wants, what runs, why, and when it last acted. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AutoscalerStatus(Integer desired, Integer current, String reason, String lastScaleTime) {}
