package io.vibework.notify.worker.notification;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Updates.combine;
import static com.mongodb.client.model.Updates.set;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The record that makes "one email per notification" hold: a {@code deliveries} document per
 * notification, claimed before sending and marked sent right after SES accepts the email.
 *
 * <p>A claim is a short lease that its holder renews while it works ({@link #renew}); a worker that
 * dies leaves a claim that another worker takes over as soon as the lease lapses. The one window
 * this cannot close is a crash after SES accepted the email and before {@link #markSent} ran: the
 * claim then lapses and the email may go out twice rather than never (see README, "Delivery
 * semantics").
 */
public final class DeliveryLedger {
  /** What a claim attempt found. */
  public enum Claim {
    /** No claim existed: this worker holds it now. */
    ACQUIRED,
    /** A claim whose lease had lapsed (its holder died): this worker holds it now. */
    TAKEN_OVER,
    ALREADY_SENT,
    ALREADY_FAILED,
    /** Another worker holds a live claim. */
    HELD_ELSEWHERE
  }

  /** A finished send, as recorded: SES's message id and when it was recorded. */
  public record SentRecord(String sesMessageId, Instant sentAt) {}

  static final String SENDING = "sending";
  static final String SENT = "sent";
  static final String FAILED = "failed";

  private final MongoCollection<Document> deliveries;
  private final String owner;
  private final Duration lease;
  private final Clock clock;

  public DeliveryLedger(MongoDatabase database, String owner, Duration lease, Clock clock) {
    this.deliveries = database.getCollection("deliveries");
    this.owner = owner;
    this.lease = lease;
    this.clock = clock;
  }

  public Duration lease() {
    return lease;
  }

  public Claim claim(String notificationId) {
    Instant now = clock.instant();
    Date until = Date.from(now.plus(lease));
    try {
      deliveries.insertOne(
          new Document("_id", notificationId)
              .append("state", SENDING)
              .append("owner", owner)
              .append("leaseUntil", until)
              .append("updatedAt", Date.from(now)));
      return Claim.ACQUIRED;
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
        throw new TransientFailure("delivery ledger write failed", e);
      }
    } catch (MongoException e) {
      throw new TransientFailure(
          "delivery ledger write failed: " + e.getClass().getSimpleName(), e);
    }
    return existing(notificationId, Date.from(now), until);
  }

  private Claim existing(String notificationId, Date now, Date until) {
    try {
      Document takenOver =
          deliveries.findOneAndUpdate(
              and(eq("_id", notificationId), eq("state", SENDING), lt("leaseUntil", now)),
              combine(set("owner", owner), set("leaseUntil", until), set("updatedAt", now)));
      if (takenOver != null) {
        return owner.equals(takenOver.getString("owner")) ? Claim.ACQUIRED : Claim.TAKEN_OVER;
      }
      Document current = deliveries.find(eq("_id", notificationId)).first();
      if (current == null) {
        // Released between our insert and our read: the next look claims it afresh.
        return Claim.HELD_ELSEWHERE;
      }
      return switch (current.getString("state")) {
        case SENT -> Claim.ALREADY_SENT;
        case FAILED -> Claim.ALREADY_FAILED;
        default -> Claim.HELD_ELSEWHERE;
      };
    } catch (MongoException e) {
      throw new TransientFailure("delivery ledger read failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /**
   * Extends this worker's claim by one lease. Returns false when the claim is no longer ours (it
   * lapsed and was taken over, or was finished); throws {@link TransientFailure} when MongoDB did
   * not answer.
   */
  public boolean renew(String notificationId) {
    try {
      return deliveries
              .updateOne(
                  and(eq("_id", notificationId), eq("owner", owner), eq("state", SENDING)),
                  combine(
                      set("leaseUntil", Date.from(clock.instant().plus(lease))),
                      set("updatedAt", Date.from(clock.instant()))))
              .getMatchedCount()
          > 0;
    } catch (MongoException e) {
      throw new TransientFailure(
          "delivery ledger renew failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /** The recorded send of a notification whose ledger entry is {@code sent}. */
  public Optional<SentRecord> sentRecord(String notificationId) {
    try {
      Document current = deliveries.find(and(eq("_id", notificationId), eq("state", SENT))).first();
      if (current == null) {
        return Optional.empty();
      }
      Date at = current.getDate("updatedAt");
      return Optional.of(
          new SentRecord(
              current.getString("sesMessageId"), at == null ? clock.instant() : at.toInstant()));
    } catch (MongoException e) {
      throw new TransientFailure("delivery ledger read failed: " + e.getClass().getSimpleName(), e);
    }
  }

  public void markSent(String notificationId, String sesMessageId) {
    finish(notificationId, combine(set("state", SENT), set("sesMessageId", sesMessageId)));
  }

  public void markFailed(String notificationId) {
    finish(notificationId, set("state", FAILED));
  }

  /** Gives the claim back so a redelivery can try again at once. */
  public void release(String notificationId) {
    try {
      deliveries.deleteOne(
          and(eq("_id", notificationId), eq("owner", owner), eq("state", SENDING)));
    } catch (MongoException e) {
      // The lease lapses on its own; a failed release only delays the retry by one lease.
    }
  }

  private void finish(String notificationId, Bson change) {
    try {
      deliveries.updateOne(
          eq("_id", notificationId),
          combine(change, set("owner", owner), set("updatedAt", Date.from(clock.instant()))));
    } catch (MongoException e) {
      throw new TransientFailure(
          "delivery ledger write failed: " + e.getClass().getSimpleName(), e);
    }
  }
}
