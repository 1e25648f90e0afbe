/**
 * The dead-letter store's intake: failed Jobs that opted in (label deadletter.dev/capture=true)
 * become DeadLetterTasks, so their failure is kept and they can be retried.
 */
package dev.deadletter.capture;
