/** Wiring: configuration, the Kubernetes client, and the JOSDK operator. */
package dev.deadletter.operator;
