package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A pipeline whose every sink has a ready-to-write streaming DataFrame, in spec order, and the
 * static tables to keep current while it runs.
 */
public record PlannedPipeline(StreamingPipeline pipeline, Map<SinkSpec, Dataset<Row>> sinks, List<StaticTable> staticTables) {}
