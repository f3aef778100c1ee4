package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

// Unknown fields are ignored so an older operator can read a newer one's status.
@JsonIgnoreProperties(ignoreUnknown = true)
public record NotificationPipelineStatus(
    @JsonPropertyDescription("The metadata.generation this status describes.")
        Long observedGeneration,
    @JsonPropertyDescription("Ready, Progressing and Degraded, in the metav1.Condition shape.")
        List<Condition> conditions,
    @JsonPropertyDescription("Workers the Deployment runs.") Integer replicas,
    @JsonPropertyDescription("Workers passing their readiness probe.") Integer readyReplicas,
    @JsonPropertyDescription("The worker pods' own /readyz checks, each pod probed directly.")
        WorkerHealth health,
    @JsonPropertyDescription("The SES account quota the workers report.") SesAccountStatus email) {}
