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
import java.util.Date;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The record that makes "one email per notification" hold: a {@code deliveries} document per
 * notification, claimed before sending and marked sent right after SES accepts the email.
 *
 * <p>A claim is a lease: a worker that dies mid-send leaves a claim that another worker may take
 * over once it expires. The one window this cannot close is a crash after SES accepted the email
 * and before {@link #markSent} ran; the lease is long enough that this needs a hard crash, and then
 * the email may go out twice rather than never (see README, "Delivery semantics").
 */
public final class DeliveryLedger {
  /** What a claim attempt found. */
  public enum Claim {
    ACQUIRED,
    ALREADY_SENT,
    ALREADY_FAILED,
    HELD_ELSEWHERE
  }

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

  public Claim claim(String notificationId) {
    Date now = Date.from(clock.instant());
    Date until = Date.from(clock.instant().plus(lease));
    try {
      deliveries.insertOne(
          new Document("_id", notificationId)
              .append("state", SENDING)
              .append("owner", owner)
              .append("leaseUntil", until)
              .append("updatedAt", now));
      return Claim.ACQUIRED;
    } catch (MongoWriteException e) {
      if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
        throw new TransientFailure("delivery ledger write failed", e);
      }
    } catch (MongoException e) {
      throw new TransientFailure(
          "delivery ledger write failed: " + e.getClass().getSimpleName(), e);
    }
    return existing(notificationId, now, until);
  }

  private Claim existing(String notificationId, Date now, Date until) {
    try {
      Document takenOver =
          deliveries.findOneAndUpdate(
              and(eq("_id", notificationId), eq("state", SENDING), lt("leaseUntil", now)),
              combine(set("owner", owner), set("leaseUntil", until), set("updatedAt", now)));
      if (takenOver != null) {
        return Claim.ACQUIRED;
      }
      Document current = deliveries.find(eq("_id", notificationId)).first();
      if (current == null) {
        // Released between our insert and our read: let the redelivery claim it afresh.
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

  public void markSent(String notificationId, String sesMessageId) {
    finish(notificationId, combine(set("state", SENT), set("sesMessageId", sesMessageId)));
  }

  public void markFailed(String notificationId) {
    finish(notificationId, set("state", FAILED));
  }

  /** Gives the claim back so a redelivery can try again. */
  public void release(String notificationId) {
    try {
      deliveries.deleteOne(
          and(eq("_id", notificationId), eq("owner", owner), eq("state", SENDING)));
    } catch (MongoException e) {
      // The lease expires on its own; a failed release only delays the retry.
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
