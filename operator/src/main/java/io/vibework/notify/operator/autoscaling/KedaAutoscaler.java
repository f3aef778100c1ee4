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
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.reconciler.InputsHash;
import io.vibework.notify.operator.validation.InvalidSpecException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the KEDA objects of a pipeline exist and brings them to what {@link KedaObjects}
 * builds. Not a JOSDK dependent on purpose: a dependent needs an informer on ScaledObjects, and an
 * informer on a kind whose CRD is missing stops the operator at start-up. Reads are plain GETs; a
 * write happens only when an object is missing or differs in a field the operator sets.
 *
 * <p>What was last brought about is remembered per pipeline (a digest of the desired objects, or
 * "absent"): a reconcile that wants the same again makes no API call at all, so the pipelines
 * without autoscaling, nearly all of them, cost no GET per reconcile. The memo is trusted for
 * {@link #RECHECK}; after that the next reconcile looks again, which puts back an object someone
 * deleted or edited by hand.
 */
public class KedaAutoscaler {

  /** How long a remembered outcome is trusted before the objects are read again. */
  public static final Duration RECHECK = Duration.ofMinutes(10);

  public static final String AUTOSCALER_UNAVAILABLE = "AutoscalerUnavailable";
  private static final Logger log = LoggerFactory.getLogger(KedaAutoscaler.class);
  private static final Set<String> KEDA_RESOURCES =
      Set.of(
          KedaObjects.SCALED_OBJECTS.getPlural(), KedaObjects.TRIGGER_AUTHENTICATIONS.getPlural());

  private final ObjectMapper json = new ObjectMapper();
  private final Clock clock;
  private final Map<ResourceID, Memo> memo = new ConcurrentHashMap<>();
  private volatile Instant lastSweep;

  private record Memo(String digest, Instant checkedAt) {}

  public KedaAutoscaler(Clock clock) {
    this.clock = clock;
    this.lastSweep = clock.instant();
  }

  /**
   * Creates or updates the ScaledObject and its TriggerAuthentication when spec.autoscaling is set,
   * deletes them when it is not.
   *
   * @throws InvalidSpecException reason {@value #AUTOSCALER_UNAVAILABLE} when autoscaling is asked
   *     for and the cluster does not serve KEDA's kinds
   */
  public void reconcile(KubernetesClient client, NotificationPipeline p) {
    ResourceID id = ResourceID.fromResource(p);
    String digest = digest(p);
    Instant now = clock.instant();
    Memo last = memo.get(id);
    if (last != null
        && last.digest().equals(digest)
        && now.isBefore(last.checkedAt().plus(RECHECK))) {
      return;
    }
    // Forgotten first: a failure below leaves nothing remembered, so the retry looks again.
    memo.remove(id);
    bringAbout(client, p);
    memo.put(id, new Memo(digest, now));
  }

  /**
   * Drops what is remembered of pipelines that no longer exist; at most once per {@link #RECHECK},
   * so it costs nothing per reconcile.
   */
  public void forgetDeleted(Predicate<ResourceID> exists) {
    Instant now = clock.instant();
    if (now.isBefore(lastSweep.plus(RECHECK))) {
      return;
    }
    lastSweep = now;
    memo.keySet().removeIf(id -> !exists.test(id));
  }

  /** Pipelines with a remembered outcome; for tests. */
  int remembered() {
    return memo.size();
  }

  private String digest(NotificationPipeline p) {
    if (!p.getSpec().autoscaled()) {
      return "absent";
    }
    return new InputsHash()
        .add("triggerAuthentication", KedaObjects.triggerAuthentication(p))
        .add("scaledObject", KedaObjects.scaledObject(p))
        .hex();
  }

  private void bringAbout(KubernetesClient client, NotificationPipeline p) {
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

  /**
   * Autoscaling turned off: remove the objects this pipeline owns (never someone else's). Each kind
   * on its own: a TriggerAuthentication left by a ScaledObject create that failed goes too.
   */
  private void removeIfOwned(KubernetesClient client, NotificationPipeline p) {
    boolean scaledObject = deleteIfOwned(client, KedaObjects.SCALED_OBJECTS, p);
    boolean auth = deleteIfOwned(client, KedaObjects.TRIGGER_AUTHENTICATIONS, p);
    if (scaledObject || auth) {
      log.atInfo()
          .addKeyValue("namespace", p.getMetadata().getNamespace())
          .addKeyValue("pipeline", p.getMetadata().getName())
          .log(
              "spec.autoscaling removed: deleted the KEDA objects; spec.replicas is the user's"
                  + " again");
    }
  }

  private static boolean deleteIfOwned(
      KubernetesClient client, ResourceDefinitionContext kind, NotificationPipeline p) {
    var ops =
        client
            .genericKubernetesResources(kind)
            .inNamespace(p.getMetadata().getNamespace())
            .withName(KedaObjects.name(p));
    GenericKubernetesResource found = ops.get();
    if (found == null || !ownedBy(found, p)) {
      return false;
    }
    ops.delete();
    return true;
  }

  private static boolean ownedBy(GenericKubernetesResource r, NotificationPipeline p) {
    return r.getMetadata().getOwnerReferences() != null
        && r.getMetadata().getOwnerReferences().stream()
            .anyMatch(o -> Objects.equals(o.getUid(), p.getMetadata().getUid()));
  }
}
