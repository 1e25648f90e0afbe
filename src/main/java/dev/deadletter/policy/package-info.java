/**
 * Pure retry decisions: backoff, failure classification, the round accounting and the decider, with
 * what they decide from ({@link dev.deadletter.policy.Observation}) and the small pure helpers the
 * packages above share (SHA-256, cutting text, reading the history, a token bucket). Nothing here
 * does I/O or reads a clock; time is an argument, so every rule is unit-tested with fixed instants.
 */
package dev.deadletter.policy;
