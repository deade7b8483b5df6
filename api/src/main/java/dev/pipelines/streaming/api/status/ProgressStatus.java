package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;

/** Throughput as the driver last reported it (filled by the progress poller). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProgressStatus(
    Double inputRowsPerSecond, Double processedRowsPerSecond, Long lag, Integer executors, String lastBatchAt) {}
