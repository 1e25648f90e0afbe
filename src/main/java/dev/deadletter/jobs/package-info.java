/**
 * Attempt Jobs: building them from a task, the API calls a pass makes on them (create, confirming
 * read, pruning), reading them with their pods back into observations, and which pods are a Job's
 * (by owner UID, the one way used everywhere).
 */
package dev.deadletter.jobs;
