package io.vibework.notify.operator.autoscaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.validation.InvalidSpecException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the KEDA objects of a pipeline exist and brings them to what {@link KedaObjects}
 * builds. Not a JOSDK dependent on purpose: a dependent needs an informer on ScaledObjects, and an
 * informer on a kind whose CRD is missing stops the operator at start-up. Reads are plain GETs; a
 * write happens only when an object is missing or differs in a field the operator sets.
 */
public class KedaAutoscaler {

  public static final String AUTOSCALER_UNAVAILABLE = "AutoscalerUnavailable";
  private static final Logger log = LoggerFactory.getLogger(KedaAutoscaler.class);
  private static final Set<String> KEDA_RESOURCES =
      Set.of(
          KedaObjects.SCALED_OBJECTS.getPlural(), KedaObjects.TRIGGER_AUTHENTICATIONS.getPlural());

  private final ObjectMapper json = new ObjectMapper();

  /**
   * Creates or updates the ScaledObject and its TriggerAuthentication when spec.autoscaling is set,
   * deletes them when it is not.
   *
   * @throws InvalidSpecException reason {@value #AUTOSCALER_UNAVAILABLE} when autoscaling is asked
   *     for and the cluster does not serve KEDA's kinds
   */
  public void reconcile(KubernetesClient client, NotificationPipeline p) {
    if (!p.getSpec().autoscaled()) {
      removeIfOwned(client, p);
      return;
    }
    if (!kedaServed(client)) {
      throw new InvalidSpecException(
          AUTOSCALER_UNAVAILABLE,
          "spec.autoscaling needs KEDA, but this cluster serves no keda.sh/v1alpha1 ScaledObject and TriggerAuthentication: install KEDA (2.12 or newer) or remove spec.autoscaling; the workers keep spec.replicas ("
              + p.getSpec().replicasOrDefault()
              + ") meanwhile");
    }
    // The TriggerAuthentication first, so the ScaledObject never names a missing one.
    apply(client, KedaObjects.TRIGGER_AUTHENTICATIONS, KedaObjects.triggerAuthentication(p));
    apply(client, KedaObjects.SCALED_OBJECTS, KedaObjects.scaledObject(p));
  }

  /** Discovery, which every authenticated user may read (system:discovery): no RBAC needed. */
  boolean kedaServed(KubernetesClient client) {
    try {
      APIResourceList list = client.getApiResources(KedaObjects.API_VERSION);
      if (list == null || list.getResources() == null) {
        return false;
      }
      return list.getResources().stream()
          .map(APIResource::getName)
          .collect(Collectors.toSet())
          .containsAll(KEDA_RESOURCES);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) {
        return false;
      }
      throw e;
    }
  }

  private void apply(
      KubernetesClient client, ResourceDefinitionContext kind, GenericKubernetesResource desired) {
    var ops =
        client
            .genericKubernetesResources(kind)
            .inNamespace(desired.getMetadata().getNamespace())
            .withName(desired.getMetadata().getName());
    GenericKubernetesResource actual = ops.get();
    if (actual == null) {
      client
          .genericKubernetesResources(kind)
          .inNamespace(desired.getMetadata().getNamespace())
          .resource(desired)
          .create();
      log.atInfo()
          .addKeyValue("namespace", desired.getMetadata().getNamespace())
          .addKeyValue("name", desired.getMetadata().getName())
          .log("created " + kind.getKind());
      return;
    }
    if (matches(desired, actual)) {
      return;
    }
    // Keep what others added (KEDA's finalizer and annotations, other labels); own the rest.
    Map<String, String> labels =
        new HashMap<>(
            actual.getMetadata().getLabels() == null ? Map.of() : actual.getMetadata().getLabels());
    labels.putAll(desired.getMetadata().getLabels());
    actual.getMetadata().setLabels(labels);
    actual.getMetadata().setOwnerReferences(desired.getMetadata().getOwnerReferences());
    actual.setAdditionalProperty("spec", desired.getAdditionalProperties().get("spec"));
    client
        .genericKubernetesResources(kind)
        .inNamespace(desired.getMetadata().getNamespace())
        .resource(actual)
        .update();
    log.atInfo()
        .addKeyValue("namespace", desired.getMetadata().getNamespace())
        .addKeyValue("name", desired.getMetadata().getName())
        .log("updated " + kind.getKind());
  }

  /** Fields the operator sets are equal; whatever the server or KEDA added is ignored. */
  boolean matches(GenericKubernetesResource desired, GenericKubernetesResource actual) {
    Map<String, String> actualLabels =
        actual.getMetadata().getLabels() == null ? Map.of() : actual.getMetadata().getLabels();
    if (!actualLabels.entrySet().containsAll(desired.getMetadata().getLabels().entrySet())) {
      return false;
    }
    OwnerReference owner = desired.getMetadata().getOwnerReferences().get(0);
    List<OwnerReference> owners = actual.getMetadata().getOwnerReferences();
    if (owners == null
        || owners.stream()
            .noneMatch(
                o ->
                    Objects.equals(o.getUid(), owner.getUid())
                        && Boolean.TRUE.equals(o.getController()))) {
      return false;
    }
    return contains(
        json.valueToTree(actual.getAdditionalProperties().get("spec")),
        json.valueToTree(desired.getAdditionalProperties().get("spec")));
  }

  private static boolean contains(JsonNode actual, JsonNode desired) {
    if (desired == null || desired.isNull()) {
      return true;
    }
    if (actual == null || actual.isNull()) {
      return false;
    }
    if (desired.isObject()) {
      if (!actual.isObject()) {
        return false;
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = desired.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!contains(actual.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
      return true;
    }
    if (desired.isArray()) {
      if (!actual.isArray() || actual.size() != desired.size()) {
        return false;
      }
      for (int i = 0; i < desired.size(); i++) {
        if (!contains(actual.get(i), desired.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (desired.isNumber() && actual.isNumber()) {
      return desired.decimalValue().compareTo(actual.decimalValue()) == 0;
    }
    return desired.equals(actual);
  }

  /** Autoscaling turned off: remove the objects this pipeline owns (never someone else's). */
  private void removeIfOwned(KubernetesClient client, NotificationPipeline p) {
    String ns = p.getMetadata().getNamespace();
    String name = KedaObjects.name(p);
    GenericKubernetesResource scaled =
        client
            .genericKubernetesResources(KedaObjects.SCALED_OBJECTS)
            .inNamespace(ns)
            .withName(name)
            .get();
    if (scaled == null || !ownedBy(scaled, p)) {
      return;
    }
    client
        .genericKubernetesResources(KedaObjects.SCALED_OBJECTS)
        .inNamespace(ns)
        .withName(name)
        .delete();
    GenericKubernetesResource auth =
        client
            .genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS)
            .inNamespace(ns)
            .withName(name)
            .get();
    if (auth != null && ownedBy(auth, p)) {
      client
          .genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS)
          .inNamespace(ns)
          .withName(name)
          .delete();
    }
    log.atInfo()
        .addKeyValue("namespace", ns)
        .addKeyValue("pipeline", p.getMetadata().getName())
        .log(
            "spec.autoscaling removed: deleted the ScaledObject; spec.replicas is the user's again");
  }

  private static boolean ownedBy(GenericKubernetesResource r, NotificationPipeline p) {
    return r.getMetadata().getOwnerReferences() != null
        && r.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Objects.equals(o.getUid(), p.getMetadata().getUid()));
  }
}
