package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Backlog-driven scaling through a KEDA ScaledObject that targets the pipeline's scale subresource:
 * KEDA's HPA writes spec.replicas, the operator copies it to the Deployment.
 */
@ValidationRule(
    value = "!has(self.minReplicas) || self.minReplicas <= self.maxReplicas",
    message = "autoscaling.minReplicas must not be above autoscaling.maxReplicas")
public record AutoscalingSpec(
    @Default("" + DEFAULT_MIN_REPLICAS)
        @Min(0)
        @Max(100)
        @JsonPropertyDescription(
            "Fewest workers KEDA keeps (ScaledObject minReplicaCount); 0 lets an empty subscription scale the pipeline to zero.")
        Integer minReplicas,
    @Required
        @Min(1)
        @Max(100)
        @JsonPropertyDescription("Most workers KEDA runs (ScaledObject maxReplicaCount).")
        Integer maxReplicas,
    @Default("" + DEFAULT_TARGET_BACKLOG)
        @Min(1)
        @Max(100000)
        @JsonPropertyDescription(
            "Undelivered messages in the subscription per worker that KEDA aims for (gcp-pubsub trigger, mode SubscriptionSize, value).")
        Integer targetBacklogPerReplica,
    @Default("0")
        @Min(0)
        @Max(100000)
        @JsonPropertyDescription(
            "Backlog above which KEDA wakes a pipeline scaled to zero (gcp-pubsub activationValue).")
        Integer activationBacklog,
    @Default("" + DEFAULT_POLLING_INTERVAL)
        @Min(5)
        @Max(3600)
        @JsonPropertyDescription("Seconds between KEDA's backlog checks (pollingInterval).")
        Integer pollingIntervalSeconds,
    @Default("" + DEFAULT_COOLDOWN)
        @Min(0)
        @Max(86400)
        @JsonPropertyDescription(
            "Seconds KEDA waits after the last active trigger before scaling to minReplicas 0 (cooldownPeriod).")
        Integer cooldownSeconds,
    @JsonPropertyDescription(
            "How KEDA reads the subscription's backlog from Cloud Monitoring: CredentialsSecret uses spec.pubsub.credentialsSecretRef through a TriggerAuthentication; WorkloadIdentity uses KEDA's own GCP workload identity (podIdentity provider gcp). Default: CredentialsSecret when spec.pubsub.credentialsSecretRef is set, else WorkloadIdentity.")
        AutoscalerAuthentication authentication) {

  public static final int DEFAULT_MIN_REPLICAS = 1;
  public static final int DEFAULT_TARGET_BACKLOG = 100;
  public static final int DEFAULT_POLLING_INTERVAL = 30;
  public static final int DEFAULT_COOLDOWN = 300;

  public int minReplicasOrDefault() {
    return minReplicas == null ? DEFAULT_MIN_REPLICAS : minReplicas;
  }

  public int targetBacklogPerReplicaOrDefault() {
    return targetBacklogPerReplica == null ? DEFAULT_TARGET_BACKLOG : targetBacklogPerReplica;
  }

  public int activationBacklogOrDefault() {
    return activationBacklog == null ? 0 : activationBacklog;
  }

  public int pollingIntervalSecondsOrDefault() {
    return pollingIntervalSeconds == null ? DEFAULT_POLLING_INTERVAL : pollingIntervalSeconds;
  }

  public int cooldownSecondsOrDefault() {
    return cooldownSeconds == null ? DEFAULT_COOLDOWN : cooldownSeconds;
  }

  /** The mode in force once the default is applied against the pipeline's Pub/Sub settings. */
  public AutoscalerAuthentication authenticationFor(PubSubSpec pubsub) {
    if (authentication != null) {
      return authentication;
    }
    return pubsub != null && pubsub.credentialsSecretRef() != null
        ? AutoscalerAuthentication.CredentialsSecret
        : AutoscalerAuthentication.WorkloadIdentity;
  }
}
