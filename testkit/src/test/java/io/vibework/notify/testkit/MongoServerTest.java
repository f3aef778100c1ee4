package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class MongoServerTest {

  @RegisterExtension static final MongoServer mongo = new MongoServer();

  @Test
  void storesAndFindsADocument() {
    assertThat(mongo.url("vibework"))
        .isEqualTo("mongodb://127.0.0.1:" + mongo.port() + "/vibework");
    try (MongoClient client = MongoClients.create(mongo.connectionString())) {
      MongoCollection<Document> notifications =
          client.getDatabase("vibework").getCollection("notifications");
      notifications.insertOne(
          new Document("_id", "n1").append("userId", "u1").append("status", "pending"));
      assertThat(notifications.find(new Document("_id", "n1")).first())
          .containsEntry("userId", "u1")
          .containsEntry("status", "pending");
    }
  }

  @Test
  void filtersPinningOneIdStillApplyEveryOtherCondition() {
    try (MongoClient client = MongoClients.create(mongo.connectionString())) {
      MongoCollection<Document> notifications =
          client.getDatabase("vibework").getCollection("by-id");
      for (int i = 0; i < 50; i++) {
        notifications.insertOne(
            new Document("_id", "n" + i).append("state", i % 2 == 0 ? "a" : "b"));
      }
      Document pinned = new Document("_id", "n4");

      assertThat(notifications.find(new Document(pinned).append("state", "a")).first())
          .containsEntry("_id", "n4");
      assertThat(notifications.find(new Document(pinned).append("state", "b")).first()).isNull();
      assertThat(
              notifications.findOneAndUpdate(
                  new Document(pinned)
                      .append(
                          "$or",
                          List.of(
                              new Document("state", "b"),
                              new Document("state", new Document("$exists", false)))),
                  new Document("$set", new Document("state", "c"))))
          .as("neither alternative matches n4")
          .isNull();
      assertThat(
              notifications
                  .updateOne(
                      new Document(pinned).append("state", new Document("$in", List.of("a"))),
                      new Document("$set", new Document("state", "c")))
                  .getModifiedCount())
          .isEqualTo(1);
      assertThat(notifications.find(pinned).first()).containsEntry("state", "c");
      assertThat(
              notifications.countDocuments(
                  new Document("_id", new Document("$in", List.of("n1", "n3", "n4")))
                      .append("state", "b")))
          .as("a filter on several ids is not narrowed to one")
          .isEqualTo(2);
    }
  }

  @Test
  void aPauseRefusesConnectionsAndAResumeServesTheSameData() {
    try (MongoClient client =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString(mongo.connectionString()))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(1, TimeUnit.SECONDS))
                .build())) {
      MongoCollection<Document> deliveries =
          client.getDatabase("vibework").getCollection("deliveries");
      deliveries.insertOne(new Document("_id", "d1").append("state", "sent"));

      mongo.pause();
      assertThat(mongo.isRunning()).isFalse();
      assertThatThrownBy(() -> deliveries.find(new Document("_id", "d1")).first())
          .isInstanceOf(MongoException.class);

      mongo.resume();
      assertThat(deliveries.find(new Document("_id", "d1")).first()).containsEntry("state", "sent");
    }
  }
}
