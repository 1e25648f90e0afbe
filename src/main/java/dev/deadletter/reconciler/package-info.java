/** The JOSDK shell: reads caches, asks the decider, performs its one action, writes status once. */
package dev.deadletter.reconciler;
