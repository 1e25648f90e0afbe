/**
 * The observe step of a pass: the informer caches of attempt Jobs and of their failed pods
 * (label-filtered, trimmed, indexed by task), corrected by reads from the API server where they
 * lag, with why a running attempt makes no progress looked up when its Job shows none, into one
 * immutable {@link dev.deadletter.policy.Observation}; and the log tails of the failures a decision
 * records, read from the containers that observation found them failed in.
 */
package dev.deadletter.observe;
