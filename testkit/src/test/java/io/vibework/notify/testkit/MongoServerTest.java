package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
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
