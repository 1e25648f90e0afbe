/**
 * Building attempt Jobs from a task, and reading attempt Jobs and their pods back into
 * observations.
 */
package dev.deadletter.jobs;
