package io.vibework.notify.worker.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.pubsub.v1.PubsubMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.email.EmailTemplates;
import io.vibework.notify.worker.email.SesEmailSender;
import io.vibework.notify.worker.notification.DeliveryLedger;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.notification.NotificationStore;
import io.vibework.notify.worker.pubsub.EventPublisher;
import io.vibework.notify.worker.pubsub.NotificationCreated;
import io.vibework.notify.worker.user.User;
import io.vibework.notify.worker.user.UserLookup;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code notification-created} message, start to finish: parse, claim, look up, render, send,
 * record, announce. Read {@link #process} top to bottom; every other method is one step of it.
 */
public final class DeliveryPipeline {
  private static final Logger log = LoggerFactory.getLogger(DeliveryPipeline.class);

  private final ObjectMapper json;
  private final DeliveryLedger ledger;
  private final UserLookup users;
  private final NotificationStore notifications;
  private final EmailTemplates templates;
  private final SesEmailSender sender;
  private final EventPublisher events;
  private final int maxDeliveryAttempts;
  private final Clock clock;
  private final Counter skipped;
  private final Counter deadLettered;

  public DeliveryPipeline(
      ObjectMapper json,
      DeliveryLedger ledger,
      UserLookup users,
      NotificationStore notifications,
      EmailTemplates templates,
      SesEmailSender sender,
      EventPublisher events,
      int maxDeliveryAttempts,
      Clock clock,
      MeterRegistry registry) {
    this.json = json;
    this.ledger = ledger;
    this.users = users;
    this.notifications = notifications;
    this.templates = templates;
    this.sender = sender;
    this.events = events;
    this.maxDeliveryAttempts = maxDeliveryAttempts;
    this.clock = clock;
    this.skipped =
        Counter.builder("worker.messages.skipped")
            .description("Messages of a type other than email, acknowledged")
            .register(registry);
    this.deadLettered =
        Counter.builder("worker.messages.deadlettered")
            .description("Messages that could never succeed")
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
    return switch (ledger.claim(event.notificationId())) {
      case ACQUIRED -> deliver(message, event, deliveryAttempt);
      // A worker died after recording the send but before announcing it: announce now.
      case ALREADY_SENT -> announce(event.notificationId(), "sent");
      case ALREADY_FAILED -> Outcome.ACK;
      case HELD_ELSEWHERE -> Outcome.NACK_LATER;
    };
  }

  private Outcome deliver(PubsubMessage message, NotificationCreated event, int deliveryAttempt) {
    String id = event.notificationId();
    String sesMessageId;
    try {
      User user =
          users
              .find(event.userId())
              .orElseThrow(
                  () -> new PermanentFailure("unknown_user", "no user with id " + event.userId()));
      Notification notification =
          notifications
              .find(id)
              .orElseThrow(
                  () ->
                      new PermanentFailure(
                          "unknown_notification", "no notification with id " + id));
      sesMessageId = sender.send(templates.render(notification, user));
    } catch (PermanentFailure failure) {
      return reject(message, id, failure, true);
    } catch (TransientFailure failure) {
      if (deliveryAttempt >= maxDeliveryAttempts) {
        return reject(
            message, id, new PermanentFailure("max_delivery_attempts", failure.getMessage()), true);
      }
      ledger.release(id);
      log.atWarn()
          .addKeyValue("notificationId", id)
          .addKeyValue("error", failure.getMessage())
          .log("delivery failed; will retry");
      return Outcome.NACK;
    }
    // From here on the email is out: never release the claim, or a redelivery would send it again.
    ledger.markSent(id, sesMessageId);
    notifications.markSent(id, sesMessageId, clock.instant());
    log.atInfo()
        .addKeyValue("notificationId", id)
        .addKeyValue("userId", event.userId())
        .log("email sent");
    return announce(id, "sent");
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
      ledger.markFailed(notificationId);
      notifications.markFailed(notificationId);
    }
    if (notificationId != null) {
      events.publishOutcome(notificationId, "failed");
    }
    log.atWarn()
        .addKeyValue("notificationId", notificationId)
        .addKeyValue("reason", failure.reason())
        .addKeyValue("deadLettered", copied)
        .addKeyValue("messageId", message.getMessageId())
        .log("message can never succeed: " + failure.getMessage());
    return Outcome.ACK;
  }

  private Outcome announce(String notificationId, String status) {
    events.publishOutcome(notificationId, status);
    return Outcome.ACK;
  }
}
