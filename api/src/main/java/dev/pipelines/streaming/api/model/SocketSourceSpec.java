package dev.pipelines.streaming.api.model;

/** Lines of text from a TCP socket. For testing only: not fault-tolerant, no replay. */
public record SocketSourceSpec(String host, Integer port) {}
