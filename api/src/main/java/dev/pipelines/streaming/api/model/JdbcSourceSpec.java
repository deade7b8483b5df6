package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A database table read as a static table (re-read every micro-batch), for lookups in joins. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JdbcSourceSpec(
    @JsonPropertyDescription("JDBC URL, e.g. jdbc:postgresql://db:5432/shop.") String url,
    @JsonPropertyDescription("Table (or schema.table) to read.") String table,
    ValueFrom user,
    ValueFrom password) {}
