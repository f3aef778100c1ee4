package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
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
      long indexedBefore = mongo.idIndexedQueries();

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
      // The driver sends Filters.and(...) as {$and: [...]}: the _id inside it is used too.
      assertThat(
              notifications
                  .updateOne(
                      Filters.and(Filters.eq("_id", "n6"), Filters.eq("state", "a")),
                      new Document("$set", new Document("state", "d")))
                  .getModifiedCount())
          .isEqualTo(1);
      assertThat(
              notifications
                  .find(Filters.and(Filters.eq("_id", "n6"), Filters.eq("state", "a")))
                  .first())
          .isNull();
      assertThat(mongo.idIndexedQueries() - indexedBefore)
          .as("every filter pinning one _id went through the index")
          .isEqualTo(6);
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
      MongoCollection<Document> items = client.getDatabase("vibework").getCollection("items");
      items.insertOne(new Document("_id", "d1").append("state", "sent"));

      mongo.pause();
      assertThat(mongo.isRunning()).isFalse();
      assertThatThrownBy(() -> items.find(new Document("_id", "d1")).first())
          .isInstanceOf(MongoException.class);

      mongo.resume();
      assertThat(items.find(new Document("_id", "d1")).first()).containsEntry("state", "sent");
    }
  }
}
