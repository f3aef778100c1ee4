package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
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
}
