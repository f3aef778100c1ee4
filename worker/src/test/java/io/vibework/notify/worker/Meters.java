package io.vibework.notify.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Reads the worker's meters by their documented names and labels. */
public final class Meters {
  private Meters() {}

  /** {@code notify_worker_messages_total{outcome}}; 0 when never counted. */
  public static double messages(MeterRegistry registry, String outcome) {
    return count(registry, "notify.worker.messages", "outcome", outcome);
  }

  /** {@code notify_worker_emails_total{result,reason}}, summed over the reasons given none. */
  public static double emails(MeterRegistry registry, String result, String reason) {
    return registry.find("notify.worker.emails").tag("result", result).counters().stream()
        .filter(c -> reason == null || reason.equals(c.getId().getTag("reason")))
        .mapToDouble(Counter::count)
        .sum();
  }

  public static double ledgerClaims(MeterRegistry registry, String outcome) {
    return count(registry, "notify.worker.ledger.claims", "outcome", outcome);
  }

  public static double count(MeterRegistry registry, String name, String tag, String value) {
    Counter counter = registry.find(name).tag(tag, value).counter();
    return counter == null ? 0 : counter.count();
  }
}
