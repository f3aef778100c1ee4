package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.List;

// Unknown fields are ignored so an older operator can read a newer one's status.
@JsonIgnoreProperties(ignoreUnknown = true)
public record NotificationPipelineStatus(
    @JsonPropertyDescription("The metadata.generation this status describes.")
        Long observedGeneration,
    @JsonPropertyDescription(
            "Ready, Progressing, Degraded, Reconciling and Stalled, in the metav1.Condition shape.")
        @SchemaFrom(type = ConditionSchema[].class)
        List<Condition> conditions,
    @JsonPropertyDescription(
            "Workers the Deployment runs (the scale subresource's status.replicas).")
        @StatusReplicas
        Integer replicas,
    @JsonPropertyDescription("Workers passing their readiness probe.") Integer readyReplicas,
    @JsonPropertyDescription("The worker pods' own /readyz checks, each pod probed directly.")
        WorkerHealth health,
    @JsonPropertyDescription("The SES account quota the workers report.") SesAccountStatus email,
    @JsonPropertyDescription(
            "Label selector of the worker pods, for the scale subresource (HPA and KEDA read it).")
        @LabelSelector
        String selector) {

  /** A status without a selector; the reconciler adds it with {@link #withSelector}. */
  public NotificationPipelineStatus(
      Long observedGeneration,
      List<Condition> conditions,
      Integer replicas,
      Integer readyReplicas,
      WorkerHealth health,
      SesAccountStatus email) {
    this(observedGeneration, conditions, replicas, readyReplicas, health, email, null);
  }

  public NotificationPipelineStatus withSelector(String value) {
    return new NotificationPipelineStatus(
        observedGeneration, conditions, replicas, readyReplicas, health, email, value);
  }
}
