package io.vibework.notify.worker.notification;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.ne;
import static com.mongodb.client.model.Updates.combine;
import static com.mongodb.client.model.Updates.set;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Instant;
import java.util.Date;
import java.util.Optional;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The backend's {@code notifications} collection: the worker reads documents and writes only the
 * delivery fields.
 */
public final class NotificationStore {
  private final MongoCollection<Document> notifications;

  public NotificationStore(MongoDatabase database) {
    this.notifications = database.getCollection("notifications");
  }

  public Optional<Notification> find(String id) {
    try {
      Document doc = notifications.find(eq("_id", id)).first();
      if (doc == null) {
        return Optional.empty();
      }
      Document data = doc.get("data", Document.class);
      return Optional.of(
          new Notification(
              id,
              doc.getString("userId"),
              Optional.ofNullable(doc.getString("template")).orElse(""),
              field(data, "name"),
              field(data, "title"),
              field(data, "message")));
    } catch (MongoException e) {
      throw new TransientFailure("mongodb read failed: " + e.getClass().getSimpleName(), e);
    }
  }

  public void markSent(String id, String sesMessageId, Instant sentAt) {
    update(
        id,
        combine(
            set("status", "sent"),
            set("sentAt", Date.from(sentAt)),
            set("sesMessageId", sesMessageId)));
  }

  /**
   * Records a send the ledger already holds, unless the notification already says {@code sent}: a
   * worker that died between the two writes left it behind.
   */
  public boolean repairSent(String id, String sesMessageId, Instant sentAt) {
    try {
      return notifications
              .updateOne(
                  and(eq("_id", id), ne("status", "sent")),
                  combine(
                      set("status", "sent"),
                      set("sentAt", Date.from(sentAt)),
                      set("sesMessageId", sesMessageId)))
              .getModifiedCount()
          > 0;
    } catch (MongoException e) {
      throw new TransientFailure("mongodb write failed: " + e.getClass().getSimpleName(), e);
    }
  }

  public void markFailed(String id) {
    update(id, set("status", "failed"));
  }

  private void update(String id, Bson change) {
    try {
      notifications.updateOne(eq("_id", id), change);
    } catch (MongoException e) {
      throw new TransientFailure("mongodb write failed: " + e.getClass().getSimpleName(), e);
    }
  }

  private static String field(Document data, String key) {
    if (data == null || data.get(key) == null) {
      return "";
    }
    return String.valueOf(data.get(key));
  }
}
