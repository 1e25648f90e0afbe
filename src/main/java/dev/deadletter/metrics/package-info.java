/**
 * The operator's own Prometheus metrics, next to JOSDK's reconcile metrics. No label has unbounded
 * values.
 */
package dev.deadletter.metrics;
