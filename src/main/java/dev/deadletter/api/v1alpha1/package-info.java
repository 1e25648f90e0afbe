/**
 * The custom resources of group {@code deadletter.dev}, version {@code v1alpha1} (DeadLetterTask,
 * DeadLetterRedrive, RetryBudget): the model only.
 */
package dev.deadletter.api.v1alpha1;
