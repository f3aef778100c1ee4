package io.vibework.notify.worker.feedback;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Filters.nin;
import static com.mongodb.client.model.Updates.combine;
import static com.mongodb.client.model.Updates.inc;
import static com.mongodb.client.model.Updates.push;
import static com.mongodb.client.model.Updates.set;
import static com.mongodb.client.model.Updates.setOnInsert;
import static com.mongodb.client.model.Updates.unset;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoServerException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * What an SES event changes, each write idempotent because SQS delivers at least once: a bounce or
 * complaint records its {@link FeedbackEvent#key} in the address's {@code events} and its update
 * only matches a document without that key (a second delivery then hits the unique {@code _id} and
 * changes nothing); a delivery releases transient counting, which is the same however often it
 * runs; the notification's {@code delivery.feedback} is set to the same value again.
 */
public final class FeedbackEffects {

  private static final List<String> HARD_LABELS =
      List.of(FeedbackEvent.Type.BOUNCE.label(), FeedbackEvent.Type.COMPLAINT.label());
  static final String HARD_BOUNCE = "bounce";
  static final String COMPLAINT = "complaint";
  static final String TRANSIENT = "transient_bounces";

  private static final BulkWriteOptions UNORDERED = new BulkWriteOptions().ordered(false);
  private static final FindOneAndUpdateOptions RELEASE_BEFORE =
      new FindOneAndUpdateOptions()
          .projection(new Document("suppressed", 1))
          .returnDocument(ReturnDocument.BEFORE);
  private static final FindOneAndUpdateOptions UPSERT_AFTER =
      new FindOneAndUpdateOptions().upsert(true).returnDocument(ReturnDocument.AFTER);

  private final MongoCollection<Document> suppressions;
  private final MongoCollection<Document> notifications;
  private final SuppressionList list;
  private final int transientLimit;
  private final Duration transientWindow;
  private final Clock clock;

  /** What applying one event did; {@code fresh} is false for an event applied before. */
  public record Applied(boolean fresh, Optional<Document> notification) {}

  public FeedbackEffects(
      MongoDatabase database,
      SuppressionList list,
      int transientLimit,
      Duration transientWindow,
      Clock clock) {
    this.suppressions = database.getCollection("suppressions");
    this.notifications = database.getCollection("notifications");
    this.list = list;
    this.transientLimit = transientLimit;
    this.transientWindow = transientWindow;
    this.clock = clock;
  }

  /** As {@link #apply(FeedbackEvent, boolean)}, without the notification's user. */
  public Applied apply(FeedbackEvent event) {
    return apply(event, false);
  }

  /**
   * Writes the event's effects; throws MongoException when MongoDB did not take them all.
   *
   * @param withNotification return the notification's {@code _id} and {@code userId} (for the
   *     feedback topic): a lookup that a delivery, the common event, otherwise does without
   */
  public Applied apply(FeedbackEvent event, boolean withNotification) {
    boolean hard =
        event.type() == FeedbackEvent.Type.BOUNCE || event.type() == FeedbackEvent.Type.COMPLAINT;
    // A bounce or complaint names its notification on the address's record: look it up first.
    Optional<Document> notification =
        hard || withNotification ? notification(event) : Optional.empty();
    String notificationId = notification.map(n -> n.getString("_id")).orElse(null);
    boolean fresh = true;
    for (String recipient : event.recipients()) {
      String address = SuppressionList.normalise(recipient);
      switch (event.type()) {
        case BOUNCE, COMPLAINT -> fresh &= recordBounceOrComplaint(address, event, notificationId);
        case DELIVERY -> releaseTransient(address);
        default -> {}
      }
    }
    if (notification.isPresent()) {
      recordOnNotification(eq("_id", notificationId), event);
    } else if (!hard && !withNotification) {
      // Not looked up: by the tag's id, else by SES's message id (which then finds nothing new).
      long matched =
          event.notificationId().isPresent()
              ? recordOnNotification(eq("_id", event.notificationId().get()), event)
              : 0;
      if (matched == 0) {
        recordOnNotification(eq("sesMessageId", event.sesMessageId()), event);
      }
    }
    return new Applied(fresh, notification);
  }

  /**
   * {@code delivery.feedback} says what matters most: a bounce or complaint is not replaced by a
   * later delivery, delay or reject (SES may send a Delivery after a Complaint, and events arrive
   * in any order), and Send, Open or Click events are not recorded at all. Returns the documents
   * matched.
   */
  private long recordOnNotification(Bson which, FeedbackEvent event) {
    if (event.type() == FeedbackEvent.Type.OTHER) {
      return 1;
    }
    boolean hard =
        event.type() == FeedbackEvent.Type.BOUNCE || event.type() == FeedbackEvent.Type.COMPLAINT;
    Bson filter = hard ? which : and(which, nin("delivery.feedback.type", HARD_LABELS));
    return notifications.updateOne(filter, feedbackUpdate(event)).getMatchedCount();
  }

  private static Bson feedbackUpdate(FeedbackEvent event) {
    return set(
        "delivery.feedback",
        new Document("type", event.type().label())
            .append("subtype", event.subtype())
            .append("at", Date.from(event.timestamp())));
  }

  private Optional<Document> notification(FeedbackEvent event) {
    Bson filter =
        event
            .notificationId()
            .map(id -> eq("_id", id))
            .orElseGet(() -> eq("sesMessageId", event.sesMessageId()));
    Document found =
        notifications.find(filter).projection(new Document("_id", 1).append("userId", 1)).first();
    if (found == null && event.notificationId().isPresent()) {
      found =
          notifications
              .find(eq("sesMessageId", event.sesMessageId()))
              .projection(new Document("_id", 1).append("userId", 1))
              .first();
    }
    return Optional.ofNullable(found);
  }

  /** Returns false when this event had been applied already. */
  private boolean recordBounceOrComplaint(
      String address, FeedbackEvent event, String notificationId) {
    Date now = Date.from(clock.instant());
    Date at = Date.from(event.timestamp());
    boolean hard = event.type() == FeedbackEvent.Type.COMPLAINT || event.hardBounce();
    List<Bson> fields =
        new java.util.ArrayList<>(
            List.of(
                push("events", event.key()),
                inc("count", 1),
                set("lastSeen", at),
                set("updatedAt", now),
                setOnInsert("firstSeen", at)));
    if (notificationId != null) {
      // An event whose notification is unknown must not erase the one an earlier event named.
      fields.add(set("sourceNotificationId", notificationId));
    }
    Bson common = combine(fields);
    Bson update =
        hard
            ? combine(
                common,
                set("suppressed", true),
                set(
                    "reason",
                    event.type() == FeedbackEvent.Type.COMPLAINT ? COMPLAINT : HARD_BOUNCE),
                set(
                    "bounceType",
                    event.type() == FeedbackEvent.Type.BOUNCE ? event.subtype() : null),
                set("bounceSubType", event.bounceSubType()))
            : combine(common, push("transientBounces", at), setOnInsert("suppressed", false));
    Document after;
    try {
      after =
          suppressions.findOneAndUpdate(
              and(eq("_id", address), ne("events", event.key())), update, UPSERT_AFTER);
    } catch (MongoServerException e) {
      // findAndModify reports the duplicate key as a command error (MongoCommandException), not as
      // a write error: match on the code, whichever it is.
      if (ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY) {
        return false;
      }
      throw e;
    }
    if (hard) {
      list.noteWritten(address, true);
    } else if (after != null && !Boolean.TRUE.equals(after.getBoolean("suppressed"))) {
      Instant since = clock.instant().minus(transientWindow);
      List<Date> bounces = after.getList("transientBounces", Date.class, List.of());
      long recent = bounces.stream().filter(d -> d.toInstant().isAfter(since)).count();
      if (recent >= transientLimit) {
        suppressions.updateOne(
            and(eq("_id", address), ne("suppressed", true)),
            combine(
                set("suppressed", true),
                set("reason", TRANSIENT),
                set("bounceType", event.subtype()),
                set("updatedAt", now)));
        list.noteWritten(address, true);
      }
    }
    return true;
  }

  /**
   * A delivery proves the mailbox works: transient bounces start counting again, and an address
   * suppressed only for them is sent to again. Hard bounces and complaints stay.
   */
  private void releaseTransient(String address) {
    // One round trip: the document before the update tells whether a suppression was lifted.
    Document before =
        suppressions.findOneAndUpdate(releaseFilter(address), releaseUpdate(), RELEASE_BEFORE);
    if (before != null && Boolean.TRUE.equals(before.getBoolean("suppressed"))) {
      list.noteWritten(address, false);
    }
  }

  /**
   * An address counting transient bounces (not suppressed) or suppressed only for them; hard
   * bounces and complaints are left alone. Most addresses have no document at all.
   */
  private static Bson releaseFilter(String address) {
    return and(
        eq("_id", address),
        exists("transientBounces"),
        nin("reason", List.of(HARD_BOUNCE, COMPLAINT)));
  }

  private Bson releaseUpdate() {
    return combine(
        set("suppressed", false),
        unset("reason"),
        unset("transientBounces"),
        set("updatedAt", Date.from(clock.instant())));
  }

  /**
   * Applies a receive's worth of events. Deliveries, delays and rejects whose recipients this
   * worker does not hold suppressed, when nobody needs their notification's user, are written in
   * two bulk writes (one per collection) for the whole batch: a round trip per event cost more than
   * the rest of the feedback path (make bench-worker BENCH_FEEDBACK=1). The others, bounces and
   * complaints above all, go one by one ({@link #apply(FeedbackEvent, boolean)}). Throws when
   * MongoDB did not take them all: every event of the batch then comes back, and each write is
   * idempotent.
   */
  public List<Applied> applyAll(List<FeedbackEvent> events, boolean withNotification) {
    List<WriteModel<Document>> onSuppressions = new ArrayList<>();
    List<WriteModel<Document>> onNotifications = new ArrayList<>();
    List<Applied> applied = new ArrayList<>(events.size());
    for (FeedbackEvent event : events) {
      if (!batchable(event, withNotification)) {
        applied.add(apply(event, withNotification));
        continue;
      }
      if (event.type() == FeedbackEvent.Type.DELIVERY) {
        for (String recipient : event.recipients()) {
          onSuppressions.add(
              new UpdateOneModel<>(
                  releaseFilter(SuppressionList.normalise(recipient)), releaseUpdate()));
        }
      }
      if (event.type() != FeedbackEvent.Type.OTHER) {
        // By the tag's id, which SES events of our sends carry; without one, by SES's message id.
        Bson which =
            event
                .notificationId()
                .map(id -> eq("_id", id))
                .orElse(eq("sesMessageId", event.sesMessageId()));
        onNotifications.add(
            new UpdateOneModel<>(
                and(which, nin("delivery.feedback.type", HARD_LABELS)), feedbackUpdate(event)));
      }
      applied.add(new Applied(true, Optional.empty()));
    }
    if (!onSuppressions.isEmpty()) {
      suppressions.bulkWrite(onSuppressions, UNORDERED);
    }
    if (!onNotifications.isEmpty()) {
      notifications.bulkWrite(onNotifications, UNORDERED);
    }
    return applied;
  }

  /**
   * Whether the event's writes need no answer back: not a bounce or complaint (whose write says if
   * it was new), no user wanted, and no recipient this worker holds suppressed (releasing one must
   * reach the in-memory list at once; a suppression it has not seen yet is released in MongoDB and
   * reaches the list at its next refresh).
   */
  private boolean batchable(FeedbackEvent event, boolean withNotification) {
    if (withNotification
        || event.type() == FeedbackEvent.Type.BOUNCE
        || event.type() == FeedbackEvent.Type.COMPLAINT) {
      return false;
    }
    return event.recipients().stream().noneMatch(list::isSuppressed);
  }
}
