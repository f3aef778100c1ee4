package io.vibework.notify.testkit;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * The backend's data as the worker reads it, for tests and demos: the MySQL {@code users} table
 * (with a {@code password_hash} column the worker must never read) and the MongoDB {@code
 * notifications} collection, plus the sample set both demos show.
 */
public final class BackendData implements AutoCloseable {

  /**
   * Events for {@link #seedSample()}: each template, a non-email type, and a body that is not JSON.
   */
  public static final List<String> SAMPLE_EVENTS =
      List.of(
          createdEvent("n-welcome", "u-ada", "email"),
          createdEvent("n-invoice", "u-grace", "email"),
          createdEvent("n-digest", "u-ada", "email"),
          createdEvent("n-push", "u-ada", "push"),
          "{\"notificationId\": oops this is not json");

  private final MariaDbServer mysql;
  private final MongoClient mongo;
  private final String database;

  /** Creates the {@code users} table if it is not there yet. */
  public BackendData(MariaDbServer mysql, String mongoConnectionString, String database) {
    this.mysql = mysql;
    this.mongo = MongoClients.create(mongoConnectionString);
    this.database = database;
    mysql.execute(
        """
                CREATE TABLE IF NOT EXISTS users (
                  id VARCHAR(64) PRIMARY KEY,
                  email VARCHAR(320) NOT NULL,
                  name VARCHAR(255),
                  password_hash VARCHAR(255))""");
  }

  /** A {@code notification-created} body as the backend publishes it. */
  public static String createdEvent(String notificationId, String userId, String type) {
    return "{\"notificationId\":\"%s\",\"userId\":\"%s\",\"type\":\"%s\"}"
        .formatted(notificationId, userId, type);
  }

  public void addUser(String id, String email, String name) {
    mysql.execute(
        "INSERT INTO users (id, email, name, password_hash) VALUES ('%s', '%s', '%s', 'bcrypt$2b$10$never-cached')"
            .formatted(id, email, name));
  }

  public void addNotification(String id, String userId, String template, Map<String, String> data) {
    notifications()
        .insertOne(
            new Document("_id", id)
                .append("userId", userId)
                .append("template", template)
                .append("data", new Document(data))
                .append("status", "pending"));
  }

  /** Two users and three notifications, one per template, for {@link #SAMPLE_EVENTS}. */
  public void seedSample() {
    addUser("u-ada", "ada@example.com", "Ada Lovelace");
    addUser("u-grace", "grace@example.com", "Grace Hopper");
    addNotification("n-welcome", "u-ada", "welcome", Map.of("name", "Ada"));
    addNotification(
        "n-invoice",
        "u-grace",
        "notification",
        Map.of("title", "Your invoice <#42>", "message", "Total: 5 < 7 & \"paid\""));
    addNotification("n-digest", "u-ada", "digest", Map.of());
  }

  public MongoCollection<Document> notifications() {
    return mongo.getDatabase(database).getCollection("notifications");
  }

  /** The worker's suppression list: one document per normalised address. */
  public MongoCollection<Document> suppressions() {
    return mongo.getDatabase(database).getCollection("suppressions");
  }

  /** The worker's claim on a notification: its {@code delivery} sub-document, or null. */
  public Document delivery(String notificationId) {
    Document notification = notifications().find(new Document("_id", notificationId)).first();
    return notification == null ? null : notification.get("delivery", Document.class);
  }

  /** Writes fields of a notification as a worker (or an older one) would have left them. */
  public void setOnNotification(String notificationId, Document fields) {
    notifications().updateOne(new Document("_id", notificationId), new Document("$set", fields));
  }

  @Override
  public void close() {
    mongo.close();
  }
}
