/**
 * Observing a task's world: the informer caches of attempt Jobs and pods, corrected by API reads
 * where they lag, into one {@link dev.deadletter.policy.Observation} per pass; and the log tails of
 * the failures a pass records, read from the pods that observation used.
 */
package dev.deadletter.observe;
