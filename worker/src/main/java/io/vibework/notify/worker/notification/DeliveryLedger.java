package io.vibework.notify.worker.notification;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.nin;
import static com.mongodb.client.model.Filters.or;
import static com.mongodb.client.model.Updates.combine;
import static com.mongodb.client.model.Updates.set;
import static com.mongodb.client.model.Updates.unset;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * What makes "one email per notification" hold: a {@code delivery} sub-document on each
 * notification ({@code state}, {@code owner}, {@code leaseUntil}, {@code updatedAt}) beside the
 * backend's {@code status}, claimed before sending and marked sent, together with {@code status},
 * right after SES accepts the email.
 *
 * <p>Living on the notification, a claim also returns the notification (one round trip), and the
 * send is recorded by one update: two MongoDB round trips per email. Every filter pins {@code _id},
 * so MongoDB answers each through the {@code _id} index.
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
    HELD_ELSEWHERE,
    /** No notification with that id (yet: the backend may publish before its write is visible). */
    UNKNOWN_NOTIFICATION
  }

  /** A claim attempt's result; {@code notification} is present when this worker holds the claim. */
  public record Claimed(Claim claim, Optional<Notification> notification) {
    static Claimed of(Claim claim) {
      return new Claimed(claim, Optional.empty());
    }
  }

  static final String SENDING = "sending";
  static final String SENT = "sent";
  static final String FAILED = "failed";

  private static final FindOneAndUpdateOptions BEFORE_UPDATE =
      new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE);

  private final MongoCollection<Document> notifications;
  private final String owner;
  private final Duration lease;
  private final Clock clock;

  public DeliveryLedger(MongoDatabase database, String owner, Duration lease, Clock clock) {
    this.notifications = database.getCollection("notifications");
    this.owner = owner;
    this.lease = lease;
    this.clock = clock;
  }

  public Duration lease() {
    return lease;
  }

  /**
   * Claims the notification when nobody holds it (or its holder's lease lapsed) and it is not
   * finished; returns it with the claim. A {@code status} of {@code sent} or {@code failed} without
   * a {@code delivery} (written by the backend, or by a worker of chart 0.2, which kept claims
   * elsewhere) counts as finished.
   */
  public Claimed claim(String notificationId) {
    Date now = Date.from(clock.instant());
    Bson claimable =
        and(
            eq("_id", notificationId),
            nin("status", SENT, FAILED),
            or(
                exists("delivery", false),
                and(eq("delivery.state", SENDING), lt("delivery.leaseUntil", now))));
    Document ours =
        new Document("state", SENDING)
            .append("owner", owner)
            .append("leaseUntil", Date.from(now.toInstant().plus(lease)))
            .append("updatedAt", now);
    try {
      Document before =
          notifications.findOneAndUpdate(claimable, set("delivery", ours), BEFORE_UPDATE);
      if (before != null) {
        Document previous = before.get("delivery", Document.class);
        Claim claim =
            previous == null || owner.equals(previous.getString("owner"))
                ? Claim.ACQUIRED
                : Claim.TAKEN_OVER;
        return new Claimed(claim, Optional.of(notification(before)));
      }
      return Claimed.of(unclaimable(notifications.find(eq("_id", notificationId)).first()));
    } catch (MongoException e) {
      throw new TransientFailure("mongodb claim failed: " + e.getClass().getSimpleName(), e);
    }
  }

  private static Claim unclaimable(Document current) {
    if (current == null) {
      return Claim.UNKNOWN_NOTIFICATION;
    }
    // The backend's status first: it may say finished while a dead worker's claim says sending.
    String status = current.getString("status");
    Document delivery = current.get("delivery", Document.class);
    String state = delivery == null ? null : delivery.getString("state");
    if (SENT.equals(status) || SENT.equals(state)) {
      return Claim.ALREADY_SENT;
    }
    if (FAILED.equals(status) || FAILED.equals(state)) {
      return Claim.ALREADY_FAILED;
    }
    // A live claim elsewhere, or one released between our update and our read: look again later.
    return Claim.HELD_ELSEWHERE;
  }

  private static Notification notification(Document doc) {
    Document data = doc.get("data", Document.class);
    return new Notification(
        doc.getString("_id"),
        doc.getString("userId"),
        Optional.ofNullable(doc.getString("template")).orElse(""),
        field(data, "name"),
        field(data, "title"),
        field(data, "message"));
  }

  private static String field(Document data, String key) {
    if (data == null || data.get(key) == null) {
      return "";
    }
    return String.valueOf(data.get(key));
  }

  /**
   * Extends this worker's claim by one lease. Returns false when the claim is no longer ours (it
   * lapsed and was taken over, or was finished); throws {@link TransientFailure} when MongoDB did
   * not answer.
   */
  public boolean renew(String notificationId) {
    Instant now = clock.instant();
    try {
      return notifications
              .updateOne(
                  ours(notificationId),
                  combine(
                      set("delivery.leaseUntil", Date.from(now.plus(lease))),
                      set("delivery.updatedAt", Date.from(now))))
              .getMatchedCount()
          > 0;
    } catch (MongoException e) {
      throw new TransientFailure("mongodb renew failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /** Records the accepted send: the backend's fields and the claim's state, in one write. */
  public void markSent(String notificationId, String sesMessageId, Instant sentAt) {
    finish(
        notificationId,
        SENT,
        combine(
            set("status", SENT),
            set("sentAt", Date.from(sentAt)),
            set("sesMessageId", sesMessageId)));
  }

  /**
   * Marks the notification failed and says why in {@code delivery.reason} (say suppressed, or the
   * dead-letter reason).
   */
  public void markFailed(String notificationId, String reason) {
    finish(notificationId, FAILED, combine(set("status", FAILED), set("delivery.reason", reason)));
  }

  /** Gives the claim back so a redelivery can try again at once. */
  public void release(String notificationId) {
    try {
      notifications.updateOne(ours(notificationId), unset("delivery"));
    } catch (MongoException e) {
      // The lease lapses on its own; a failed release only delays the retry by one lease.
    }
  }

  private Bson ours(String notificationId) {
    return and(
        eq("_id", notificationId), eq("delivery.owner", owner), eq("delivery.state", SENDING));
  }

  private void finish(String notificationId, String state, Bson fields) {
    try {
      notifications.updateOne(
          eq("_id", notificationId),
          combine(
              fields,
              set("delivery.state", state),
              set("delivery.owner", owner),
              set("delivery.updatedAt", Date.from(clock.instant()))));
    } catch (MongoException e) {
      throw new TransientFailure("mongodb write failed: " + e.getClass().getSimpleName(), e);
    }
  }
}
