package io.vibework.notify.operator.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The operator's own meters, next to JOSDK's; tags are bounded (kind, reason), never a resource
 * name.
 */
public class OperatorMetrics {

  private final MeterRegistry registry;
  private final ResourceGauges resources;

  public OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.resources = new ResourceGauges(registry);
  }

  /** notify_operator_resources{kind,namespace,ready}. */
  public ResourceGauges resources() {
    return resources;
  }

  public void statusWritten(String kind) {
    Counter.builder("notify.operator.status.writes")
        .description("Status updates written")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  public void invalidSpec(String kind, String reason) {
    Counter.builder("notify.operator.invalid.specs")
        .description("Reconciles stopped by a bad spec")
        .tag("kind", kind)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  public void redisPing(boolean reachable, Duration latency) {
    Timer.builder("notify.operator.redis.ping")
        .description("CacheConfig PING checks")
        .tag("reachable", Boolean.toString(reachable))
        .register(registry)
        .record(latency);
  }

  public void workerProbe(String status) {
    Counter.builder("notify.operator.worker.health.changes")
        .description("Changes of a pipeline's /readyz result")
        .tag("status", status)
        .register(registry)
        .increment();
  }

  /**
   * notify_operator_leader: 1 while this replica may act (holds the Lease, or election is off), so
   * an alert can tell "no replica leads" from "a standby is idle".
   */
  public void leader(BooleanSupplier leading) {
    Gauge.builder("notify.operator.leader", leading, l -> l.getAsBoolean() ? 1 : 0)
        .description("1 while this replica holds the leader-election Lease or election is off")
        .strongReference(true)
        .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }
}
