package io.vibework.notify.operator.pubsub;

import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.PubSubSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides when a pipeline's Pub/Sub resources are checked: at once when the plan changed or the
 * last attempt failed, otherwise every {@link #DRIFT_CHECK}, so reconciles triggered by health
 * probes cost no admin calls (Pub/Sub's admin API has a per-project quota).
 */
public final class PubSubProvisioning {

  /** On a pipeline only while {@code deletionPolicy: Delete} asks for clean-up. */
  public static final String FINALIZER = "infra.vibework.io/pubsub-cleanup";

  public static final String PROVISIONED = "Provisioned";

  static final Duration DRIFT_CHECK = Duration.ofMinutes(5);

  /** How soon a failed attempt with an unchanged plan is tried again. */
  public static final Duration RETRY = Duration.ofSeconds(30);

  /** The condition to show: {@code reason} is {@link #PROVISIONED} or a failure reason. */
  public record State(boolean provisioned, String reason, String message) {}

  /** A state, and what Pub/Sub changed when this call reached it. */
  public record Check(State state, Optional<SubscriptionProvisioner.Outcome> changes) {}

  private record Memo(SubscriptionPlan plan, State state, Instant at) {}

  private final SubscriptionProvisioner provisioner;
  private final Clock clock;
  private final Map<ResourceID, Memo> last = new ConcurrentHashMap<>();

  public PubSubProvisioning(SubscriptionProvisioner provisioner, Clock clock) {
    this.provisioner = provisioner;
    this.clock = clock;
  }

  public Check check(ResourceID pipeline, PubSubSpec spec) {
    SubscriptionPlan plan = SubscriptionPlan.of(spec);
    Instant now = clock.instant();
    Memo memo = last.get(pipeline);
    // Reconciles come often (probes, pods, status writes): an unchanged plan is asked again only
    // after the drift period, or the retry period when it failed.
    if (memo != null
        && memo.plan().equals(plan)
        && now.isBefore(memo.at().plus(memo.state().provisioned() ? DRIFT_CHECK : RETRY))) {
      return new Check(memo.state(), Optional.empty());
    }
    try {
      SubscriptionProvisioner.Outcome outcome = provisioner.ensure(plan);
      State state =
          new State(
              true,
              PROVISIONED,
              "subscription '"
                  + plan.subscription()
                  + "' on topic '"
                  + plan.topic()
                  + "' matches spec.pubsub");
      last.put(pipeline, new Memo(plan, state, now));
      return new Check(state, Optional.of(outcome));
    } catch (ProvisioningException e) {
      State state = new State(false, e.reason(), e.getMessage());
      last.put(pipeline, new Memo(plan, state, now));
      return new Check(state, Optional.empty());
    }
  }

  /** Removes the pipeline's subscription and the topics in it that {@code stillNamed} lacks. */
  public void delete(
      ResourceID pipeline, PubSubSpec spec, SubscriptionProvisioner.NamedElsewhere stillNamed)
      throws ProvisioningException {
    provisioner.delete(SubscriptionPlan.of(spec), stillNamed);
    last.remove(pipeline);
  }

  /** The last state found, without calling Pub/Sub (a paused pipeline still shows it). */
  public Optional<State> last(ResourceID pipeline) {
    return Optional.ofNullable(last.get(pipeline)).map(Memo::state);
  }

  public void forget(ResourceID pipeline) {
    last.remove(pipeline);
  }
}
