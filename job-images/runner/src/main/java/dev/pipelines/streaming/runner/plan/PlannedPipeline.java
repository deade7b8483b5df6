package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A pipeline whose every sink has a ready-to-write streaming DataFrame, in spec order, the
 * static tables to keep current while it runs, each source's and transform's DataFrame by name
 * (for {@code spo preview --at}), and each sink's rows before the sink kind's projection (a Kafka
 * sink's key/value), for {@code spo test}.
 */
public record PlannedPipeline(StreamingPipeline pipeline, Map<SinkSpec, Dataset<Row>> sinks, List<StaticTable> staticTables,
    Map<String, Dataset<Row>> steps, Map<String, Dataset<Row>> sinkRows) {}
