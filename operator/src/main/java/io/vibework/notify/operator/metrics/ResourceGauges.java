package io.vibework.notify.operator.metrics;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * {@code notify_operator_resources{kind,namespace,ready}}: counted from the controller's informer
 * cache when scraped, so it is never stale and costs nothing between scrapes. A namespace's pair of
 * gauges appears with its first reconciled resource and stays (at 0) after the last one goes.
 */
public final class ResourceGauges {

  private final MeterRegistry registry;
  private final Set<String> tracked = ConcurrentHashMap.newKeySet();

  public ResourceGauges(MeterRegistry registry) {
    this.registry = registry;
  }

  public <R extends HasMetadata> void track(
      String kind, String namespace, ResourceCache<R> cache, Predicate<R> ready) {
    if (!tracked.add(kind + "/" + namespace)) {
      return;
    }
    for (boolean state : new boolean[] {true, false}) {
      Gauge.builder(
              "notify.operator.resources",
              () -> cache.list(namespace).filter(r -> ready.test(r) == state).count())
          .description("Custom resources the operator manages, by Ready condition")
          .tag("kind", kind)
          .tag("namespace", namespace)
          .tag("ready", Boolean.toString(state))
          .register(registry);
    }
  }
}
