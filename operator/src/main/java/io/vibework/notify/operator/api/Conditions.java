package io.vibework.notify.operator.api;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * metav1.Condition helpers: lastTransitionTime moves only when status flips, as kstatus expects.
 */
public final class Conditions {

  public static final String READY = "Ready";
  public static final String PROGRESSING = "Progressing";
  public static final String DEGRADED = "Degraded";

  /** kstatus's abnormal-true pair, so Flux and kubectl-style waiters read these kinds natively. */
  public static final String RECONCILING = "Reconciling";

  public static final String STALLED = "Stalled";

  private Conditions() {}

  public static Condition of(
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      List<Condition> previous,
      Clock clock) {
    String statusText = status ? "True" : "False";
    String transition =
        find(previous, type)
            .filter(c -> statusText.equals(c.getStatus()) && c.getLastTransitionTime() != null)
            .map(Condition::getLastTransitionTime)
            .orElseGet(() -> Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
    return new ConditionBuilder()
        .withType(type)
        .withStatus(statusText)
        .withReason(reason)
        .withMessage(message == null ? "" : message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(transition)
        .build();
  }

  /**
   * Ready, Progressing and Degraded, then kstatus's Reconciling and Stalled derived from Ready: a
   * {@code Ready=False} whose reason is in {@code transientReasons} is still reconciling (kstatus
   * InProgress); any other {@code Ready=False} is stalled until a person acts (kstatus Failed).
   */
  public static List<Condition> withKstatus(
      Condition ready,
      Condition progressing,
      Condition degraded,
      Set<String> transientReasons,
      Long generation,
      List<Condition> previous,
      Clock clock) {
    boolean notReady = "False".equals(ready.getStatus());
    boolean reconciling = notReady && transientReasons.contains(ready.getReason());
    return withKstatus(
        ready,
        progressing,
        degraded,
        reconciling,
        notReady && !reconciling,
        generation,
        previous,
        clock);
  }

  /** As above, with Reconciling and Stalled decided by the caller. */
  public static List<Condition> withKstatus(
      Condition ready,
      Condition progressing,
      Condition degraded,
      boolean reconciling,
      boolean stalled,
      Long generation,
      List<Condition> previous,
      Clock clock) {
    return List.of(
        ready,
        progressing,
        degraded,
        of(
            RECONCILING,
            reconciling,
            reconciling ? ready.getReason() : "Settled",
            reconciling ? ready.getMessage() : "",
            generation,
            previous,
            clock),
        of(
            STALLED,
            stalled,
            stalled ? ready.getReason() : "AsExpected",
            stalled ? ready.getMessage() : "",
            generation,
            previous,
            clock));
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }
}
