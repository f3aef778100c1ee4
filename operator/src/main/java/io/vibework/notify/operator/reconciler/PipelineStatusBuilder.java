package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import io.vibework.notify.operator.api.ReputationGuardSpec;
import io.vibework.notify.operator.api.SesAccountStatus;
import io.vibework.notify.operator.api.WorkerHealth;
import io.vibework.notify.operator.health.WorkerHealthProber;
import io.vibework.notify.operator.pubsub.PubSubProvisioning;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Turns what the cluster and the workers report into a pipeline status; pure apart from the clock.
 */
public final class PipelineStatusBuilder {

  /** Ready=False reasons that pass by themselves; every other one needs a person. */
  static final Set<String> TRANSIENT_REASONS = Set.of("RollingOut", "AwaitingHealth");

  static final String DEPENDENCY_UNHEALTHY = "DependencyUnhealthy";
  static final String WORKERS_UNREACHABLE = "WorkersUnreachable";
  static final String REPUTATION_GUARD = "ReputationGuard";
  public static final String PUBSUB_PROVISIONED = "PubSubProvisioned";

  /** Reasons that may concern some pods only; stalled only when every pod agrees. */
  static final Set<String> POD_LEVEL_REASONS = Set.of(DEPENDENCY_UNHEALTHY, WORKERS_UNREACHABLE);

  private final Clock clock;

  public PipelineStatusBuilder(Clock clock) {
    this.clock = clock;
  }

  /** Rollout facts read from the Deployment, with the defaults of a Deployment not yet seen. */
  record Rollout(
      int desired,
      int replicas,
      int ready,
      int available,
      int updated,
      boolean observed,
      boolean stuck) {

    static Rollout of(int desired, Deployment d) {
      DeploymentStatus s = d == null ? null : d.getStatus();
      if (s == null) {
        return new Rollout(desired, 0, 0, 0, 0, false, false);
      }
      Long generation = d.getMetadata().getGeneration();
      boolean observed =
          generation == null
              || s.getObservedGeneration() == null
              || s.getObservedGeneration() >= generation;
      boolean stuck =
          s.getConditions() != null
              && s.getConditions().stream().anyMatch(PipelineStatusBuilder::stuck);
      return new Rollout(
          desired,
          n(s.getReplicas()),
          n(s.getReadyReplicas()),
          n(s.getAvailableReplicas()),
          n(s.getUpdatedReplicas()),
          observed,
          stuck);
    }

    boolean complete() {
      return observed && updated >= desired && available >= desired && replicas <= desired;
    }
  }

  private static boolean stuck(DeploymentCondition c) {
    return ("Progressing".equals(c.getType()) && "False".equals(c.getStatus()))
        || ("ReplicaFailure".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** SES's review thresholds: an account under review is one step from a paused one. */
  static final double BOUNCE_RATE_REVIEW = 0.05;

  static final double COMPLAINT_RATE_REVIEW = 0.001;

  private static String percent(double rate) {
    return String.format(java.util.Locale.ROOT, "%.2f%%", rate * 100);
  }

  public NotificationPipelineStatus build(
      NotificationPipeline p, Deployment deployment, WorkerHealthProber.Result probe) {
    Long generation = p.getMetadata().getGeneration();
    List<Condition> previous = p.getStatus() == null ? null : p.getStatus().conditions();
    Rollout r = Rollout.of(p.getSpec().replicasOrDefault(), deployment);
    WorkerHealth health = probe == null ? null : probe.health();
    SesAccountStatus email =
        probe != null && probe.email() != null
            ? probe.email()
            : (p.getStatus() == null ? null : p.getStatus().email());

    boolean ready;
    String readyReason;
    String readyMessage;
    if (!r.complete()) {
      ready = false;
      readyReason = "RollingOut";
      readyMessage = r.available() + " of " + r.desired() + " workers available";
      if (health != null && health.hasFailingCheck()) {
        // New pods stuck in their start-up probe say why here.
        readyMessage += "; workers report " + failing(health.checks());
      }
    } else if (r.desired() == 0) {
      ready = true;
      readyReason = "ScaledToZero";
      readyMessage = "spec.replicas is 0: no workers run";
    } else if (health == null) {
      ready = false;
      readyReason = "AwaitingHealth";
      readyMessage = "workers are available; waiting for their first /readyz answer";
    } else if (email != null && email.reputationGuard() != null) {
      ready = false;
      readyReason = REPUTATION_GUARD;
      readyMessage = guardMessage(p, email);
    } else if (WorkerHealth.UNREACHABLE.equals(health.status())) {
      ready = false;
      readyReason = WORKERS_UNREACHABLE;
      readyMessage = "no worker pod's /readyz answered: " + health.message();
    } else if (health.hasFailingCheck()) {
      ready = false;
      readyReason = DEPENDENCY_UNHEALTHY;
      readyMessage = "workers report " + failing(health.checks());
    } else if (!health.isReady()) {
      ready = false;
      readyReason = WORKERS_UNREACHABLE;
      readyMessage = "some worker pods' /readyz did not answer: " + health.message();
    } else {
      ready = true;
      readyReason = "WorkersReady";
      readyMessage = r.ready() + " of " + r.desired() + " workers ready; all dependencies ok";
    }

    boolean progressing = !r.complete() && !r.stuck();
    String progressingReason =
        r.complete() ? "RolloutComplete" : (r.stuck() ? "RolloutStuck" : "RollingOut");
    String progressingMessage = r.updated() + " of " + r.desired() + " workers updated";

    boolean degraded;
    String degradedReason;
    String degradedMessage;
    if (r.stuck()) {
      degraded = true;
      degradedReason = "RolloutStuck";
      degradedMessage =
          "the Deployment stopped progressing; see kubectl describe deployment "
              + p.getMetadata().getName()
              + "-worker";
    } else if (email != null && email.reputationGuard() != null) {
      degraded = true;
      degradedReason = REPUTATION_GUARD;
      degradedMessage = guardMessage(p, email);
    } else if (health != null && health.hasFailingCheck()) {
      degraded = true;
      degradedReason = DEPENDENCY_UNHEALTHY;
      degradedMessage = "workers report " + failing(health.checks());
    } else if (health != null && !health.isReady()) {
      degraded = true;
      degradedReason = WORKERS_UNREACHABLE;
      degradedMessage = health.message() == null ? "/readyz did not answer" : health.message();
    } else if (email != null
        && email.bounceRate24h() != null
        && email.bounceRate24h() >= BOUNCE_RATE_REVIEW) {
      degraded = true;
      degradedReason = "BounceRateHigh";
      degradedMessage =
          "bounce rate over the last 24 hours is "
              + percent(email.bounceRate24h())
              + " (SES reviews an account at 5% and may pause it at 10%)";
    } else if (email != null
        && email.complaintRate24h() != null
        && email.complaintRate24h() >= COMPLAINT_RATE_REVIEW) {
      degraded = true;
      degradedReason = "ComplaintRateHigh";
      degradedMessage =
          "complaint rate over the last 24 hours is "
              + percent(email.complaintRate24h())
              + " (SES reviews an account at 0.1% and may pause it at 0.5%)";
    } else if (email != null
        && email.missingTemplates() != null
        && !email.missingTemplates().isEmpty()) {
      degraded = true;
      degradedReason = "MissingTemplates";
      degradedMessage =
          "SES has no stored template named "
              + String.join(", ", email.missingTemplates())
              + ": notifications of those types are dead-lettered (reason unknown_template);"
              + " create them with aws sesv2 create-email-template"
              + (email.templateCheck() == null
                  ? ""
                  : " ("
                      + email.templateCheck()
                      + ": a name leaves this list when a send of it"
                      + " succeeds)");
    } else {
      degraded = false;
      degradedReason = "AsExpected";
      degradedMessage = "";
    }

    // kstatus: transient reasons are still reconciling; a problem every worker pod reports is
    // stalled (a person or the dependency must act); one some pods report is neither, the
    // Deployment and kubelet may still sort it out.
    boolean reconciling = !ready && TRANSIENT_REASONS.contains(readyReason);
    boolean shared =
        !POD_LEVEL_REASONS.contains(readyReason)
            || (health != null
                && (WorkerHealth.UNREACHABLE.equals(health.status())
                    || health.failingOnEveryPod()));
    boolean stalled = !ready && !reconciling && shared;
    List<Condition> conditions =
        Conditions.withKstatus(
            Conditions.of(
                Conditions.READY, ready, readyReason, readyMessage, generation, previous, clock),
            Conditions.of(
                Conditions.PROGRESSING,
                progressing,
                progressingReason,
                progressingMessage,
                generation,
                previous,
                clock),
            Conditions.of(
                Conditions.DEGRADED,
                degraded,
                degradedReason,
                degradedMessage,
                generation,
                previous,
                clock),
            reconciling,
            stalled,
            generation,
            previous,
            clock);
    return new NotificationPipelineStatus(
        generation, conditions, r.replicas(), r.ready(), health, email);
  }

  /**
   * Adds what the operator itself found to a built status: the {@code PubSubProvisioned} condition
   * while provisioning is on (a failure outranks the workers' view in Ready, as a bad spec does),
   * and {@code ReconciliationPaused} while paused.
   */
  public NotificationPipelineStatus withOperatorFacts(
      NotificationPipeline p,
      NotificationPipelineStatus built,
      Optional<PubSubProvisioning.State> pubsub,
      Optional<String> paused) {
    Long generation = p.getMetadata().getGeneration();
    List<Condition> previous = p.getStatus() == null ? null : p.getStatus().conditions();
    List<Condition> conditions =
        new ArrayList<>(
            pubsub.isPresent() && !pubsub.get().provisioned()
                ? invalid(p, pubsub.get().reason(), pubsub.get().message()).conditions()
                : built.conditions());
    pubsub.ifPresent(
        state ->
            conditions.add(
                Conditions.of(
                    PUBSUB_PROVISIONED,
                    state.provisioned(),
                    state.reason(),
                    state.message(),
                    generation,
                    previous,
                    clock)));
    paused.ifPresent(
        message ->
            conditions.add(
                Conditions.of(
                    Pause.CONDITION,
                    true,
                    "PausedByAnnotation",
                    message,
                    generation,
                    previous,
                    clock)));
    return new NotificationPipelineStatus(
        built.observedGeneration(),
        List.copyOf(conditions),
        built.replicas(),
        built.readyReplicas(),
        built.health(),
        built.email(),
        built.selector());
  }

  /** The status of a spec the operator cannot act on; replica counts and health are kept. */
  public NotificationPipelineStatus invalid(NotificationPipeline p, String reason, String message) {
    Long generation = p.getMetadata().getGeneration();
    NotificationPipelineStatus old = p.getStatus();
    List<Condition> previous = old == null ? null : old.conditions();
    List<Condition> conditions =
        Conditions.withKstatus(
            Conditions.of(Conditions.READY, false, reason, message, generation, previous, clock),
            Conditions.of(
                Conditions.PROGRESSING,
                false,
                reason,
                "waiting for the spec to be fixed",
                generation,
                previous,
                clock),
            Conditions.of(Conditions.DEGRADED, true, reason, message, generation, previous, clock),
            TRANSIENT_REASONS,
            generation,
            previous,
            clock);
    return new NotificationPipelineStatus(
            generation,
            conditions,
            old == null ? null : old.replicas(),
            old == null ? null : old.readyReplicas(),
            old == null ? null : old.health(),
            old == null ? null : old.email())
        .withSelector(old == null ? null : old.selector());
  }

  private static String failing(Map<String, String> checks) {
    if (checks == null || checks.isEmpty()) {
      return "not_ready without checks";
    }
    String bad =
        checks.entrySet().stream()
            .filter(e -> !Objects.equals("ok", e.getValue()))
            .map(e -> e.getKey() + ": " + e.getValue())
            .collect(Collectors.joining(", "));
    return bad.isEmpty() ? "not_ready" : bad;
  }

  private static int n(Integer i) {
    return i == null ? 0 : i;
  }

  /** What the guard saw, where its limit is, and the one command that lifts it. */
  private static String guardMessage(NotificationPipeline p, SesAccountStatus email) {
    ReputationGuardSpec guard = p.getSpec().email().reputationGuard();
    boolean complaints = "complaint_rate".equals(email.reputationGuard());
    Double rate = complaints ? email.complaintRate24h() : email.bounceRate24h();
    double limit =
        guard == null
            ? Double.NaN
            : complaints ? guard.maxComplaintRateOrDefault() : guard.maxBounceRateOrDefault();
    return "the workers stopped sending: the 24-hour "
        + (complaints ? "complaint" : "bounce")
        + " rate"
        + (rate == null ? "" : " is " + percent(rate) + ",")
        + " at spec.email.reputationGuard."
        + (complaints ? "maxComplaintRate " : "maxBounceRate ")
        + percent(limit)
        + " (SES pauses the account at "
        + (complaints ? "0.5%" : "10%")
        + "); messages wait, nothing is failed. Clean the list, then lift it: kubectl -n "
        + p.getMetadata().getNamespace()
        + " annotate np "
        + p.getMetadata().getName()
        + " "
        + ReputationGuardSpec.LIFTED_AT_ANNOTATION
        + "=$(date -u +%FT%TZ) --overwrite";
  }
}
