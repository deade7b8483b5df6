package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A pipeline whose every sink has a ready-to-write streaming DataFrame, in spec order. */
public record PlannedPipeline(StreamingPipeline pipeline, Map<SinkSpec, Dataset<Row>> sinks) {}
