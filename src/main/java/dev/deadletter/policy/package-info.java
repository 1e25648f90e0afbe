/**
 * Pure retry decisions: backoff, failure classification and the decider. Nothing here does I/O or
 * reads a clock; time is an argument, so every rule is unit-tested with fixed instants.
 */
package dev.deadletter.policy;
