package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/**
 * Schema only (never instantiated): metav1.Condition as the CRD documents it, with the status enum
 * the API server then enforces. The Java model keeps fabric8's {@code Condition}.
 */
record ConditionSchema(
    @Required @JsonPropertyDescription("Condition type, e.g. Ready; unique in the list.")
        String type,
    @Required @JsonPropertyDescription("True, False or Unknown.") ConditionStatus status,
    @Required @JsonPropertyDescription("CamelCase reason for the last transition.") String reason,
    @JsonPropertyDescription("What a person should know or do.") String message,
    @Required @JsonPropertyDescription("When status last changed (RFC 3339).")
        String lastTransitionTime,
    @JsonPropertyDescription("The metadata.generation the condition was set for.")
        Long observedGeneration) {

  enum ConditionStatus {
    True,
    False,
    Unknown
  }
}
