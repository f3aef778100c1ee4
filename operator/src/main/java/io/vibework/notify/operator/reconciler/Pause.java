package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.util.Map;
import java.util.Optional;

/**
 * The pause switch an on-call person flips during an incident: with the annotation {@value
 * #ANNOTATION} set to {@code "true"} the operator changes nothing it owns for that resource (and,
 * on a CacheConfig, for the pipelines that use it); probing and status go on.
 */
public final class Pause {

  public static final String ANNOTATION = "infra.vibework.io/paused";
  public static final String CONDITION = "ReconciliationPaused";

  private Pause() {}

  public static boolean isPaused(HasMetadata resource) {
    Map<String, String> annotations = resource.getMetadata().getAnnotations();
    return annotations != null && "true".equalsIgnoreCase(annotations.get(ANNOTATION));
  }

  /** Why a pipeline is paused, for the condition's message; empty when it is not. */
  static Optional<String> of(NotificationPipeline p, CacheConfig cache) {
    if (isPaused(p)) {
      return Optional.of(
          "annotation "
              + ANNOTATION
              + "=true: the operator leaves the workers' objects as they are; remove it to"
              + " resume");
    }
    if (cache != null && isPaused(cache)) {
      return Optional.of(
          "CacheConfig '"
              + cache.getMetadata().getName()
              + "' has "
              + ANNOTATION
              + "=true: the operator leaves the workers' objects as they are; remove it to"
              + " resume");
    }
    return Optional.empty();
  }
}
