package io.vibework.notify.operator.autoscaling;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vibework.notify.operator.api.AutoscalerAuthentication;
import io.vibework.notify.operator.api.AutoscalingSpec;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.dependent.WorkerObjects;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the KEDA objects of an autoscaled pipeline (fields from keda.sh's ScaledObject spec and
 * gcp-pubsub scaler pages). Modelled as generic resources: KEDA publishes no Java model, and these
 * few fields do not justify one.
 */
public final class KedaObjects {

  public static final String API_VERSION = "keda.sh/v1alpha1";
  public static final String SCALED_OBJECT = "ScaledObject";
  public static final String TRIGGER_AUTHENTICATION = "TriggerAuthentication";

  public static final ResourceDefinitionContext SCALED_OBJECTS =
      context(SCALED_OBJECT, "scaledobjects");
  public static final ResourceDefinitionContext TRIGGER_AUTHENTICATIONS =
      context(TRIGGER_AUTHENTICATION, "triggerauthentications");

  /** KEDA's name for the Pub/Sub key parameter of the gcp-pubsub scaler. */
  static final String CREDENTIALS_PARAMETER = "GoogleApplicationCredentials";

  private KedaObjects() {}

  private static ResourceDefinitionContext context(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("keda.sh")
        .withVersion("v1alpha1")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /** Both objects share the workers' name, as the Deployment and Service do. */
  public static String name(NotificationPipeline p) {
    return WorkerObjects.name(p);
  }

  /**
   * Scales the pipeline itself (its scale subresource), not the Deployment: KEDA's HPA then writes
   * spec.replicas and the operator stays the Deployment's only writer.
   */
  public static GenericKubernetesResource scaledObject(NotificationPipeline p) {
    AutoscalingSpec a = p.getSpec().autoscaling();
    PubSubSpec pubsub = p.getSpec().pubsub();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("mode", "SubscriptionSize");
    metadata.put("value", Integer.toString(a.targetBacklogPerReplicaOrDefault()));
    metadata.put("activationValue", Integer.toString(a.activationBacklogOrDefault()));
    // The full path, so KEDA reads the pipeline's project whatever its credentials default to.
    metadata.put(
        "subscriptionName",
        "projects/" + pubsub.projectId() + "/subscriptions/" + pubsub.subscriptionOrDefault());

    Map<String, Object> trigger = new LinkedHashMap<>();
    trigger.put("type", "gcp-pubsub");
    trigger.put("metadata", metadata);
    trigger.put("authenticationRef", Map.of("name", name(p)));

    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put(
        "scaleTargetRef",
        Map.of(
            "apiVersion",
            p.getApiVersion(),
            "kind",
            p.getKind(),
            "name",
            p.getMetadata().getName()));
    spec.put("pollingInterval", a.pollingIntervalSecondsOrDefault());
    spec.put("cooldownPeriod", a.cooldownSecondsOrDefault());
    spec.put("minReplicaCount", a.minReplicasOrDefault());
    spec.put("maxReplicaCount", a.maxReplicas());
    spec.put("triggers", List.of(trigger));
    return resource(p, SCALED_OBJECT, spec);
  }

  /**
   * Either the pipeline's Pub/Sub key Secret (KEDA reads it itself, in this namespace) or KEDA's
   * own GCP workload identity; never the key's value.
   */
  public static GenericKubernetesResource triggerAuthentication(NotificationPipeline p) {
    Map<String, Object> spec = new LinkedHashMap<>();
    PubSubSpec pubsub = p.getSpec().pubsub();
    if (p.getSpec().autoscaling().authenticationFor(pubsub)
        == AutoscalerAuthentication.CredentialsSecret) {
      spec.put(
          "secretTargetRef",
          List.of(
              Map.of(
                  "parameter",
                  CREDENTIALS_PARAMETER,
                  "name",
                  pubsub.credentialsSecretRef().name(),
                  "key",
                  PubSubSpec.CREDENTIALS_KEY)));
    } else {
      spec.put("podIdentity", Map.of("provider", "gcp"));
    }
    return resource(p, TRIGGER_AUTHENTICATION, spec);
  }

  private static GenericKubernetesResource resource(
      NotificationPipeline p, String kind, Map<String, Object> spec) {
    GenericKubernetesResource r =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(API_VERSION)
            .withKind(kind)
            .withNewMetadata()
            .withName(name(p))
            .withNamespace(p.getMetadata().getNamespace())
            .withLabels(WorkerObjects.labels(p))
            .withOwnerReferences(WorkerObjects.ownerReference(p))
            .endMetadata()
            .build();
    r.setAdditionalProperty("spec", spec);
    return r;
  }
}
