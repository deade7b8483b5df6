package dev.pipelines.streaming.api.model;

public record SecretKeyRef(String name, String key) {}
