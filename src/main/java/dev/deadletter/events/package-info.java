/**
 * Kubernetes Events about tasks and the Jobs they came from, for both controllers (the task
 * reconciler and capture). Best effort: a lost Event never fails a reconcile.
 */
package dev.deadletter.events;
