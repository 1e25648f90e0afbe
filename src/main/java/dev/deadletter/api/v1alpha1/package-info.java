/**
 * The DeadLetterTask custom resource, group {@code deadletter.dev}, version {@code v1alpha1}: the
 * model only.
 */
package dev.deadletter.api.v1alpha1;
