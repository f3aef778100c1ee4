package io.vibework.notify.operator.validation;

import io.vibework.notify.operator.api.AutoscalerAuthentication;
import io.vibework.notify.operator.api.AutoscalingSpec;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import java.util.List;

/** spec.autoscaling's cross-field rules, for API servers without CEL and for the test servers. */
public final class AutoscalingValidator {

  private AutoscalingValidator() {}

  public static void check(List<String> problems, NotificationPipelineSpec spec) {
    AutoscalingSpec a = spec.autoscaling();
    if (a == null) {
      return;
    }
    if (a.maxReplicas() == null || a.maxReplicas() < 1 || a.maxReplicas() > 100) {
      problems.add("spec.autoscaling.maxReplicas is required, between 1 and 100");
    } else if (a.minReplicasOrDefault() > a.maxReplicas()) {
      problems.add("spec.autoscaling.minReplicas must not be above spec.autoscaling.maxReplicas");
    }
    if (a.minReplicasOrDefault() < 0) {
      problems.add("spec.autoscaling.minReplicas must be at least 0");
    }
    if (a.targetBacklogPerReplicaOrDefault() < 1) {
      problems.add("spec.autoscaling.targetBacklogPerReplica must be at least 1");
    }
    if (a.authenticationFor(spec.pubsub()) == AutoscalerAuthentication.CredentialsSecret
        && (spec.pubsub() == null || spec.pubsub().credentialsSecretRef() == null)) {
      problems.add(
          "spec.autoscaling.authentication is CredentialsSecret but spec.pubsub.credentialsSecretRef is not set: set it, or use WorkloadIdentity");
    }
  }
}
