package io.vibework.notify.worker.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Timestamp;
import com.google.pubsub.v1.PubsubMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.email.EmailComposer;
import io.vibework.notify.worker.email.OutgoingEmail;
import io.vibework.notify.worker.email.SendRateLimiter;
import io.vibework.notify.worker.email.SesAccountFailure;
import io.vibework.notify.worker.email.SesAccountGate;
import io.vibework.notify.worker.email.SesEmailSender;
import io.vibework.notify.worker.feedback.ReputationGuard;
import io.vibework.notify.worker.feedback.SuppressionList;
import io.vibework.notify.worker.notification.DeliveryLedger;
import io.vibework.notify.worker.notification.DeliveryLedger.Claim;
import io.vibework.notify.worker.notification.DeliveryLedger.Claimed;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.pubsub.EventPublisher;
import io.vibework.notify.worker.pubsub.NotificationCreated;
import io.vibework.notify.worker.user.User;
import io.vibework.notify.worker.user.UserLookup;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code notification-created} message, start to finish: parse, claim, look up, render, send,
 * record, announce. Read {@link #process} top to bottom; every other method is one step of it.
 *
 * <p>Waits that should not cost a Pub/Sub delivery attempt happen here, in place, while the
 * subscriber keeps extending the message's lease: a claim held by another live worker, a user or
 * notification the backend has not made visible yet, an SES account that refuses all mail, and the
 * records of an email SES already accepted.
 */
public final class DeliveryPipeline {
  private static final Logger log = LoggerFactory.getLogger(DeliveryPipeline.class);
  private static final Duration HELD_ELSEWHERE_POLL = Duration.ofSeconds(1);
  private static final Duration LOOKUP_BASE = Duration.ofMillis(250);
  private static final Duration LOOKUP_CAP = Duration.ofSeconds(5);
  private static final Duration RECORD_BASE = Duration.ofMillis(100);
  private static final Duration RECORD_CAP = Duration.ofSeconds(5);

  private final ObjectMapper json;
  private final DeliveryLedger ledger;
  private final ClaimRenewer renewer;
  private final UserLookup users;
  private final EmailComposer templates;
  private final SesEmailSender sender;
  private final SuppressionList suppressions;
  private final Counter suppressed;
  private final Optional<SendRateLimiter> sendRate;
  private final SesAccountGate account;
  private final ReputationGuard reputationGuard;
  private final EventPublisher events;
  private final int maxDeliveryAttempts;
  private final Duration unknownRecordGrace;
  private final StopSignal stop;
  private final Clock clock;
  private final Counter skipped;
  private final Counter deadLettered;
  private final Map<Claim, Counter> claims = new EnumMap<>(Claim.class);

  /** The worker is stopping: hand the message back without marking anything. */
  private static final class Stopping extends RuntimeException {
    Stopping() {
      super("worker stopping", null, false, false);
    }
  }

  /** Another worker took the claim over while this one stalled: it must not send. */
  private static final class ClaimLost extends RuntimeException {
    ClaimLost() {
      super("claim lost", null, false, false);
    }
  }

  public DeliveryPipeline(
      ObjectMapper json,
      DeliveryLedger ledger,
      UserLookup users,
      EmailComposer templates,
      SesEmailSender sender,
      SuppressionList suppressions,
      Optional<SendRateLimiter> sendRate,
      SesAccountGate account,
      ReputationGuard reputationGuard,
      EventPublisher events,
      int maxDeliveryAttempts,
      Duration unknownRecordGrace,
      StopSignal stop,
      Clock clock,
      MeterRegistry registry) {
    this.json = json;
    this.ledger = ledger;
    this.renewer = new ClaimRenewer(ledger, clock);
    this.users = users;
    this.templates = templates;
    this.sender = sender;
    this.suppressions = suppressions;
    this.suppressed =
        Counter.builder("notify.worker.emails.suppressed")
            .description("Emails not sent because the recipient is on the suppression list")
            .register(registry);
    this.sendRate = sendRate;
    this.account = account;
    this.reputationGuard = reputationGuard;
    this.events = events;
    this.maxDeliveryAttempts = maxDeliveryAttempts;
    this.unknownRecordGrace = unknownRecordGrace;
    this.stop = stop;
    this.clock = clock;
    this.skipped =
        messages(registry, "skipped", "Messages of a type other than email, acknowledged");
    this.deadLettered = messages(registry, "deadlettered", "Messages that could never succeed");
    claims.put(Claim.ACQUIRED, claims(registry, "acquired"));
    claims.put(Claim.TAKEN_OVER, claims(registry, "taken_over"));
    claims.put(Claim.ALREADY_SENT, claims(registry, "already_sent"));
    claims.put(Claim.HELD_ELSEWHERE, claims(registry, "held_elsewhere"));
  }

  private static Counter messages(MeterRegistry registry, String outcome, String description) {
    return Counter.builder("notify.worker.messages")
        .description(description)
        .tag("outcome", outcome)
        .register(registry);
  }

  private static Counter claims(MeterRegistry registry, String outcome) {
    return Counter.builder("notify.worker.ledger.claims")
        .description("Claim attempts on the delivery ledger, by what they found")
        .tag("outcome", outcome)
        .register(registry);
  }

  /**
   * @param deliveryAttempt Pub/Sub's attempt count, or 0 when the subscription has no dead-letter
   *     policy (Pub/Sub then does not count)
   */
  public Outcome process(PubsubMessage message, int deliveryAttempt) {
    NotificationCreated event;
    try {
      event = NotificationCreated.parse(message.getData().toByteArray(), json);
    } catch (PermanentFailure failure) {
      // Not claimed: report the failure, but never touch the records of a notification this message
      // only names.
      return reject(message, failure.notificationId().orElse(null), failure, false);
    }
    if (!event.isEmail()) {
      skipped.increment();
      return Outcome.ACK;
    }
    Claimed claimed;
    try {
      claimed = claim(message, event.notificationId());
    } catch (PermanentFailure failure) {
      // Nothing to claim: no such notification after the grace period.
      return reject(message, event.notificationId(), failure, false);
    } catch (Stopping stopping) {
      return Outcome.NACK;
    }
    return switch (claimed.claim()) {
      case ACQUIRED, TAKEN_OVER ->
          deliver(message, event, claimed.notification().orElseThrow(), deliveryAttempt);
      // A worker died after recording the send but before announcing it: announce now.
      case ALREADY_SENT -> announce(event.notificationId(), "sent");
      case ALREADY_FAILED -> Outcome.ACK;
      // Stopping while the holder is alive, or the notification was deleted while we waited:
      // Pub/Sub gets the message back.
      case HELD_ELSEWHERE, UNKNOWN_NOTIFICATION -> Outcome.NACK;
    };
  }

  /**
   * Claims the notification (and reads it, in the same round trip). Holds the message while another
   * live worker has the claim: its holder either finishes (sent or failed) or dies and the lease
   * lapses; a nack here would spend a delivery attempt on a message nobody failed. Looks again with
   * backoff while the notification does not exist yet, for the grace period.
   */
  private Claimed claim(PubsubMessage message, String notificationId) {
    Claimed claimed =
        awaitRecord(
            message,
            () -> Optional.of(ledger.claim(notificationId)).filter(c -> !unknown(c)),
            "unknown_notification",
            "no notification with id " + notificationId);
    if (claimed.claim() == Claim.HELD_ELSEWHERE) {
      claims.get(Claim.HELD_ELSEWHERE).increment();
      log.atDebug()
          .addKeyValue("notificationId", notificationId)
          .log("claim held by another worker; holding the message until it is decided");
      while (claimed.claim() == Claim.HELD_ELSEWHERE && stop.sleep(HELD_ELSEWHERE_POLL)) {
        claimed = ledger.claim(notificationId);
      }
    }
    Counter counter = claims.get(claimed.claim());
    if (counter != null && claimed.claim() != Claim.HELD_ELSEWHERE) {
      counter.increment();
    }
    if (claimed.claim() == Claim.TAKEN_OVER) {
      log.atInfo()
          .addKeyValue("notificationId", notificationId)
          .log("took over a claim whose holder stopped renewing it");
    }
    return claimed;
  }

  private static boolean unknown(Claimed claimed) {
    return claimed.claim() == Claim.UNKNOWN_NOTIFICATION;
  }

  private Outcome deliver(
      PubsubMessage message,
      NotificationCreated event,
      Notification notification,
      int deliveryAttempt) {
    String id = event.notificationId();
    try (ClaimRenewer.Renewal renewal = renewer.keep(id)) {
      String sesMessageId;
      try {
        User user =
            awaitRecord(
                message,
                () -> users.find(event.userId()),
                "unknown_user",
                "no user with id " + event.userId());
        if (suppressions.isSuppressed(user.email())) {
          return suppress(id, event.userId());
        }
        sesMessageId = send(templates.compose(notification, user), id, renewal);
      } catch (PermanentFailure failure) {
        return reject(message, id, failure, true);
      } catch (ClaimLost lost) {
        // The claim's new holder decides; the redelivery finds its claim and waits for it.
        log.atWarn()
            .addKeyValue("notificationId", id)
            .log("claim lost before sending (this worker stalled past its lease); not sending");
        return Outcome.NACK;
      } catch (Stopping stopping) {
        ledger.release(id);
        return Outcome.NACK;
      } catch (TransientFailure failure) {
        if (deliveryAttempt >= maxDeliveryAttempts) {
          return reject(
              message,
              id,
              new PermanentFailure("max_delivery_attempts", failure.getMessage()),
              true);
        }
        ledger.release(id);
        log.atWarn()
            .addKeyValue("notificationId", id)
            .addKeyValue("error", failure.getMessage())
            .log("delivery failed; will retry");
        return Outcome.NACK;
      } catch (RuntimeException unexpected) {
        // Nothing was sent: give the claim back so the redelivery need not wait for the lease.
        ledger.release(id);
        throw unexpected;
      }
      // From here on the email is out: never release the claim, or a redelivery would send again.
      if (!record(id, sesMessageId)) {
        return Outcome.NACK;
      }
    }
    log.atInfo()
        .addKeyValue("notificationId", id)
        .addKeyValue("userId", event.userId())
        .log("email sent");
    return announce(id, "sent");
  }

  /**
   * Looks a record up, and looks again with backoff while it is missing and the message is younger
   * than the grace period: the backend may publish before its own write is visible.
   */
  private <T> T awaitRecord(
      PubsubMessage message, Supplier<Optional<T>> lookup, String reason, String description) {
    Instant since = publishTime(message).orElse(clock.instant());
    for (int attempt = 0; ; attempt++) {
      Optional<T> found = lookup.get();
      if (found.isPresent()) {
        return found.get();
      }
      Duration left = unknownRecordGrace.minus(Duration.between(since, clock.instant()));
      if (left.isNegative() || left.isZero()) {
        throw new PermanentFailure(reason, description);
      }
      Duration pause = StopSignal.backoff(attempt, LOOKUP_BASE, LOOKUP_CAP);
      if (!stop.sleep(pause.compareTo(left) < 0 ? pause : left.plusMillis(10))) {
        throw new Stopping();
      }
    }
  }

  private static Optional<Instant> publishTime(PubsubMessage message) {
    if (!message.hasPublishTime()) {
      return Optional.empty();
    }
    Timestamp at = message.getPublishTime();
    return Optional.of(Instant.ofEpochSecond(at.getSeconds(), at.getNanos()));
  }

  /**
   * Sends, waiting in place while the reputation guard holds sending, while SES refuses mail for
   * the whole account, and for a slot in the pipeline's send rate, and only while this worker still
   * holds the claim: those waits can outlast a lease when MongoDB is away.
   */
  private String send(OutgoingEmail email, String notificationId, ClaimRenewer.Renewal renewal) {
    while (true) {
      if (!reputationGuard.awaitClear(stop)) {
        throw new Stopping();
      }
      if (!account.awaitTurn(stop)) {
        throw new Stopping();
      }
      if (sendRate.isPresent() && !sendRate.get().acquire(stop)) {
        throw new Stopping();
      }
      if (!renewal.held()) {
        throw new ClaimLost();
      }
      try {
        String sesMessageId = sender.send(email, notificationId);
        account.accepted();
        return sesMessageId;
      } catch (SesAccountFailure failure) {
        account.refused(failure);
      } catch (RuntimeException e) {
        account.inconclusive();
        throw e;
      }
    }
  }

  /**
   * Records the accepted send, retrying in place until it is written or the stop grace period is
   * over. Returns false when it gave up (the email may then go out twice once the claim lapses:
   * README, "Delivery semantics").
   */
  private boolean record(String id, String sesMessageId) {
    Instant sentAt = clock.instant();
    return untilWritten(id, "email sent", () -> ledger.markSent(id, sesMessageId, sentAt));
  }

  /**
   * Retries writes in place, with backoff, until they succeed or the stop grace has passed. For
   * what follows a side effect that must not happen twice (an email SES accepted, a dead-letter
   * copy): a nack would repeat it.
   */
  private boolean untilWritten(String id, String after, Runnable writes) {
    for (int attempt = 0; ; attempt++) {
      try {
        writes.run();
        return true;
      } catch (RuntimeException e) {
        if (stop.gracePassed()) {
          log.atError()
              .addKeyValue("notificationId", id)
              .log(after + " but not recorded before the worker stopped");
          return false;
        }
        log.atWarn()
            .addKeyValue("notificationId", id)
            .addKeyValue("error", TransientFailure.describe(e))
            .log(after + " but not recorded yet; retrying");
        StopSignal.pause(StopSignal.backoff(attempt, RECORD_BASE, RECORD_CAP));
      }
    }
  }

  /**
   * @param claimed this worker holds the notification's claim, so its records are ours to mark
   *     failed
   */
  private Outcome reject(
      PubsubMessage message, String notificationId, PermanentFailure failure, boolean claimed) {
    deadLettered.increment();
    boolean copied = events.deadLetter(message, failure.reason(), failure.getMessage());
    if (claimed) {
      untilWritten(
          notificationId,
          "dead-lettered",
          () -> ledger.markFailed(notificationId, failure.reason()));
    }
    if (notificationId != null) {
      events.publishOutcome(notificationId, "failed", failure.reason());
    }
    log.atWarn()
        .addKeyValue("notificationId", notificationId)
        .addKeyValue("reason", failure.reason())
        .addKeyValue("deadLettered", copied)
        .addKeyValue("messageId", message.getMessageId())
        .log("message can never succeed: " + failure.getMessage());
    return Outcome.ACK;
  }

  /**
   * The recipient bounced hard or complained before: no SES call. Not dead-lettered, since the
   * message itself is fine; acked, since a redelivery would find the same answer.
   */
  private Outcome suppress(String notificationId, String userId) {
    suppressed.increment();
    if (!untilWritten(
        notificationId, "suppressed", () -> ledger.markFailed(notificationId, "suppressed"))) {
      return Outcome.NACK;
    }
    log.atInfo()
        .addKeyValue("notificationId", notificationId)
        .addKeyValue("userId", userId)
        .log("recipient is on the suppression list; not sent");
    events.publishOutcome(notificationId, "failed", "suppressed");
    return Outcome.ACK;
  }

  private Outcome announce(String notificationId, String status) {
    events.publishOutcome(notificationId, status);
    return Outcome.ACK;
  }

  /** Stops renewing claims (call after the subscriber settled its messages). */
  public void close() {
    renewer.close();
  }
}
