package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.List;
import java.util.Map;

public record NotificationPipelineSpec(
    @Required @Pattern(Patterns.IMAGE) @JsonPropertyDescription("Worker container image.")
        String image,
    @Default("" + DEFAULT_REPLICAS)
        @SpecReplicas
        @Min(0)
        @Max(100)
        @JsonPropertyDescription(
            "Number of workers; a PodDisruptionBudget is added above 1. The scale subresource (kubectl scale, HPA, KEDA) writes it; with spec.autoscaling set, KEDA owns it.")
        Integer replicas,
    @JsonPropertyDescription("Worker container resources (requests and limits).")
        ResourceRequirements resources,
    @Default(LogLevel.DEFAULT_VALUE) @JsonPropertyDescription("Worker log level.")
        LogLevel logLevel,
    @Required @JsonPropertyDescription("The CacheConfig the workers use.") CacheRef cacheRef,
    @Required @JsonPropertyDescription("Google Cloud Pub/Sub: project, topics, subscription.")
        PubSubSpec pubsub,
    @Required @JsonPropertyDescription("AWS SES: region, sender, credentials, send rate.")
        EmailSpec email,
    @Required @JsonPropertyDescription("MySQL holding the users table.") MysqlSpec mysql,
    @Required @JsonPropertyDescription("MongoDB holding the notifications collection.")
        MongoDbSpec mongodb,
    @JsonPropertyDescription(
            "Scale on the subscription's backlog with a KEDA ScaledObject the operator owns; KEDA must be installed.")
        AutoscalingSpec autoscaling,
    @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription(
            "ServiceAccount the workers run as: the name GKE Workload Identity, EKS IRSA and EKS Pod Identity bind cloud roles to. Default: the namespace's default ServiceAccount.")
        String serviceAccountName,
    @Default("false")
        @JsonPropertyDescription(
            "Mount the ServiceAccount's Kubernetes API token into the workers. Off: workers never call the Kubernetes API, and GKE Workload Identity, IRSA and Pod Identity do not need it.")
        Boolean automountServiceAccountToken,
    @JsonPropertyDescription("Secrets holding registry credentials for spec.image.")
        List<LocalObjectReference> imagePullSecrets,
    @JsonPropertyDescription("Node labels a worker pod's node must carry.")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription(
            "Worker pod affinity and anti-affinity, as in a Pod (kubectl explain pod.spec.affinity).")
        Affinity affinity,
    @JsonPropertyDescription(
            "Taints the worker pods tolerate, as in a Pod (kubectl explain pod.spec.tolerations).")
        List<Toleration> tolerations,
    @JsonPropertyDescription(
            "How worker pods spread across zones or nodes, as in a Pod (kubectl explain pod.spec.topologySpreadConstraints).")
        List<TopologySpreadConstraint> topologySpreadConstraints,
    @JsonPropertyDescription("PriorityClass of the worker pods.") String priorityClassName,
    @JsonPropertyDescription(
            "Extra annotations on the worker pods; keys the operator sets (infra.vibework.io/inputs-hash, prometheus.io/*) are refused.")
        Map<String, String> podAnnotations,
    @JsonPropertyDescription(
            "Extra labels on the worker pods; the managed app.kubernetes.io/* labels are refused.")
        Map<String, String> podLabels,
    @JsonPropertyDescription(
            "Extra environment variables for the worker container, after the managed ones; naming a variable the operator sets is a bad spec (Ready=False, InvalidSpec).")
        List<EnvVar> extraEnv,
    @Default("" + DEFAULT_TERMINATION_GRACE_SECONDS)
        @Min(MIN_TERMINATION_GRACE_SECONDS)
        @Max(3600)
        @JsonPropertyDescription(
            "Seconds a stopping worker gets before SIGKILL. The worker drains for this minus a 15 s margin (SHUTDOWN_GRACE_SECONDS), which leaves time to flush the publishers and close clients.")
        Integer terminationGracePeriodSeconds,
    @JsonPropertyDescription(
            "Worker user and group ids, or platformAssignsIds to leave them to the platform (OpenShift).")
        PodSecuritySpec podSecurity) {

  public static final int DEFAULT_REPLICAS = 1;
  public static final int DEFAULT_TERMINATION_GRACE_SECONDS = 30;
  public static final int MIN_TERMINATION_GRACE_SECONDS = 20;

  public int terminationGracePeriodSecondsOrDefault() {
    return terminationGracePeriodSeconds == null
        ? DEFAULT_TERMINATION_GRACE_SECONDS
        : terminationGracePeriodSeconds;
  }

  public boolean autoscaled() {
    return autoscaling != null;
  }

  public int replicasOrDefault() {
    return replicas == null ? DEFAULT_REPLICAS : replicas;
  }

  public LogLevel logLevelOrDefault() {
    return logLevel == null ? LogLevel.DEFAULT : logLevel;
  }
}
