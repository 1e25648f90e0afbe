/**
 * The JOSDK shell of the task controller. One pass: observe (the observe package), decide (the
 * policy package), act (create at most one attempt Job, or delete a task past its TTL), write
 * status once, emit Events, prune old Jobs. Also the redrive and retry-budget controllers, and the
 * test-only crash points between those writes.
 */
package dev.deadletter.reconciler;
