package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Paces status writes that only report progress. While a pipeline is on its way (Ready=False for
 * RollingOut or AwaitingHealth, before and after), each pod and each Deployment status update would
 * otherwise be a status write ("1 of 2 workers available", then "2 of 2"); these are written at
 * most once per {@link #INTERVAL}, counted from the last write or from the pipeline's creation. Any
 * other change (Ready, a new reason, a problem) is written at once. A new pipeline that is Ready
 * within the interval has one status write; until then it has no status, which kstatus and GitOps
 * tools read as in progress. Across all pipelines, progress takes at most {@link #PER_SECOND} write
 * a second: one pipeline rolling out still shows its progress every interval, while thousands
 * applied at once (whose Deployments show the same counts) cost about their one Ready write each,
 * not a progress write more.
 */
final class ProgressWrites {

  static final Duration INTERVAL = Duration.ofSeconds(10);
  static final int PER_SECOND = 1;

  private final Clock clock;
  private final Map<ResourceID, Instant> lastWrite = new ConcurrentHashMap<>();
  private volatile Instant lastPrune = Instant.EPOCH;
  private double tokens = PER_SECOND;
  private Instant refilled;

  ProgressWrites(Clock clock) {
    this.clock = clock;
    this.refilled = clock.instant();
  }

  /** How long to hold {@code next} back; empty when it is to be written now. */
  Optional<Duration> holdBack(NotificationPipeline p, NotificationPipelineStatus next) {
    if (!inProgress(next) || (p.getStatus() != null && !sameOutcome(p.getStatus(), next))) {
      return Optional.empty();
    }
    Instant since = lastWrite.getOrDefault(ResourceID.fromResource(p), created(p));
    Duration left = Duration.between(clock.instant(), since.plus(INTERVAL));
    if (left.isPositive()) {
      return Optional.of(left);
    }
    return takeToken() ? Optional.empty() : Optional.of(INTERVAL);
  }

  private synchronized boolean takeToken() {
    Instant now = clock.instant();
    double elapsed = Duration.between(refilled, now).toNanos() / 1e9;
    tokens = Math.min(PER_SECOND, tokens + Math.max(0, elapsed) * PER_SECOND);
    refilled = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  void written(NotificationPipeline p) {
    Instant now = clock.instant();
    lastWrite.put(ResourceID.fromResource(p), now);
    // Entries older than the interval hold nothing back: drop them now and then, so deleted
    // pipelines leave nothing behind.
    if (now.isAfter(lastPrune.plus(INTERVAL))) {
      lastPrune = now;
      Instant stale = now.minus(INTERVAL);
      lastWrite.values().removeIf(t -> t.isBefore(stale));
    }
  }

  private static boolean inProgress(NotificationPipelineStatus status) {
    return Conditions.find(status.conditions(), Conditions.READY)
        .map(
            c ->
                "False".equals(c.getStatus())
                    && PipelineStatusBuilder.TRANSIENT_REASONS.contains(c.getReason()))
        .orElse(false);
  }

  /** Same conditions by type, status and reason: only messages and counts differ. */
  private static boolean sameOutcome(
      NotificationPipelineStatus before, NotificationPipelineStatus next) {
    return inProgress(before)
        && Objects.equals(before.observedGeneration(), next.observedGeneration())
        && outcome(before.conditions()).equals(outcome(next.conditions()));
  }

  private static List<String> outcome(List<Condition> conditions) {
    return conditions == null
        ? List.of()
        : conditions.stream()
            .map(c -> c.getType() + "=" + c.getStatus() + "/" + c.getReason())
            .sorted()
            .toList();
  }

  private static Instant created(NotificationPipeline p) {
    try {
      String at = p.getMetadata().getCreationTimestamp();
      return at == null ? Instant.EPOCH : Instant.parse(at);
    } catch (DateTimeParseException e) {
      return Instant.EPOCH;
    }
  }
}
