package io.vibework.notify.worker.notification;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.worker.notification.DeliveryLedger.Claim;
import io.vibework.notify.worker.notification.DeliveryLedger.Claimed;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Claims on the notification document, against a real MongoDB wire server. */
class DeliveryLedgerTest {
  @RegisterExtension static final MongoServer mongo = new MongoServer();

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

  private MongoClient client;
  private MongoDatabase database;
  private MongoCollection<Document> notifications;
  private String id;

  @BeforeEach
  void connect() {
    client = MongoClients.create(mongo.connectionString());
    database = client.getDatabase("ledger-" + UUID.randomUUID());
    notifications = database.getCollection("notifications");
    id = "n-" + UUID.randomUUID();
    notifications.insertOne(
        new Document("_id", id)
            .append("userId", "u-ada")
            .append("template", "welcome")
            .append("data", new Document("name", "Ada"))
            .append("status", "pending"));
  }

  @AfterEach
  void close() {
    client.close();
  }

  private DeliveryLedger worker(String owner, Instant at) {
    return new DeliveryLedger(database, owner, LEASE, Clock.fixed(at, ZoneOffset.UTC));
  }

  private Document stored() {
    return notifications.find(new Document("_id", id)).first();
  }

  @Test
  void aClaimReturnsTheNotificationAndKeepsOtherWorkersOut() {
    Claimed first = worker("a", NOW).claim(id);

    assertThat(first.claim()).isEqualTo(Claim.ACQUIRED);
    assertThat(first.notification())
        .contains(new Notification(id, "u-ada", "welcome", "Ada", "", ""));
    assertThat(worker("b", NOW.plusSeconds(29)).claim(id).claim()).isEqualTo(Claim.HELD_ELSEWHERE);
    assertThat(stored().getString("status"))
        .as("the backend's field is untouched")
        .isEqualTo("pending");
    assertThat(stored().get("delivery", Document.class))
        .containsEntry("state", "sending")
        .containsEntry("owner", "a")
        .containsEntry("leaseUntil", Date.from(NOW.plus(LEASE)));
  }

  @Test
  void aLapsedClaimIsTakenOverAndItsOldHolderCanNoLongerRenewIt() {
    worker("a", NOW).claim(id);

    Claimed takeover = worker("b", NOW.plus(LEASE).plusSeconds(1)).claim(id);

    assertThat(takeover.claim()).isEqualTo(Claim.TAKEN_OVER);
    assertThat(takeover.notification()).isPresent();
    assertThat(worker("a", NOW.plusSeconds(31)).renew(id)).isFalse();
    assertThat(worker("b", NOW.plusSeconds(40)).renew(id)).isTrue();
    assertThat(stored().get("delivery", Document.class).getDate("leaseUntil"))
        .isEqualTo(Date.from(NOW.plusSeconds(40).plus(LEASE)));
  }

  @Test
  void aRenewedClaimIsNotTakenOver() {
    worker("a", NOW).claim(id);
    worker("a", NOW.plusSeconds(20)).renew(id);

    assertThat(worker("b", NOW.plusSeconds(35)).claim(id).claim()).isEqualTo(Claim.HELD_ELSEWHERE);
  }

  @Test
  void aSentNotificationIsNeverClaimedAgainEvenAfterTheLease() {
    DeliveryLedger a = worker("a", NOW);
    a.claim(id);
    a.markSent(id, "ses-1", NOW);

    assertThat(worker("b", NOW.plus(Duration.ofDays(1))).claim(id).claim())
        .isEqualTo(Claim.ALREADY_SENT);
    assertThat(stored())
        .containsEntry("status", "sent")
        .containsEntry("sesMessageId", "ses-1")
        .containsEntry("sentAt", Date.from(NOW));
    assertThat(stored().get("delivery", Document.class)).containsEntry("state", "sent");
  }

  @Test
  void aFailedNotificationIsNeverClaimedAgain() {
    DeliveryLedger a = worker("a", NOW);
    a.claim(id);
    a.markFailed(id, "ses_rejected");

    assertThat(worker("b", NOW.plus(Duration.ofDays(1))).claim(id).claim())
        .isEqualTo(Claim.ALREADY_FAILED);
    assertThat(stored().getString("status")).isEqualTo("failed");
  }

  @Test
  void aStatusWrittenWithoutAClaimCountsAsFinished() {
    notifications.updateOne(
        new Document("_id", id), new Document("$set", new Document("status", "sent")));

    assertThat(worker("a", NOW).claim(id).claim()).isEqualTo(Claim.ALREADY_SENT);
    assertThat(stored().get("delivery")).isNull();
  }

  @Test
  void aStatusFinishedUnderADeadWorkersClaimIsNotHeldForEver() {
    worker("dead", NOW).claim(id);
    notifications.updateOne(
        new Document("_id", id), new Document("$set", new Document("status", "failed")));

    assertThat(worker("a", NOW.plusSeconds(5)).claim(id).claim()).isEqualTo(Claim.ALREADY_FAILED);
  }

  @Test
  void aReleasedClaimCanBeClaimedAtOnceButOnlyItsHolderReleasesIt() {
    worker("a", NOW).claim(id);
    worker("b", NOW).release(id);
    assertThat(worker("c", NOW).claim(id).claim()).isEqualTo(Claim.HELD_ELSEWHERE);

    worker("a", NOW).release(id);

    assertThat(worker("c", NOW).claim(id).claim()).isEqualTo(Claim.ACQUIRED);
  }

  @Test
  void anUnknownNotificationIsReportedAsSuch() {
    assertThat(worker("a", NOW).claim("n-nobody").claim()).isEqualTo(Claim.UNKNOWN_NOTIFICATION);
  }
}
