package dev.deadletter.policy;

/** A container of a pod, e.g. the one whose failure ended an attempt. */
public record ContainerRef(String pod, String container) {}
