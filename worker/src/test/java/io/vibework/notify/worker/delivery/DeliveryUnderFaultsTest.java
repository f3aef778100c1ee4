package io.vibework.notify.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.Meters;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The records and the one-email promise when something fails at the worst moment: SES's answer
 * lost, MongoDB away right after SES accepted, a claim left by a dead worker, a notification
 * already sent without a claim, a user the backend has not written yet.
 */
class DeliveryUnderFaultsTest extends WithRealServers {
  /** SES v2 SendEmail; GetAccount (the quota watcher) passes untouched. */
  static final String SEND_EMAIL = "/v2/email/outbound-emails";

  private FaultProxy sesProxy;

  @BeforeEach
  void startProxy() {
    sesProxy = new FaultProxy(ses.endpoint()).faultsOnlyOn(SEND_EMAIL).start();
  }

  @AfterEach
  void stopProxy() {
    sesProxy.close();
    if (!mongo.isRunning()) {
      mongo.resume();
    }
  }

  @Test
  void aLostSesAnswerCostsAtMostTheDocumentedDuplicateAndTheRecordsEndSent() {
    Topics topics = fixture.freshTopics(30);
    PipelineFixture.Welcome hal = fixture.addUserWithWelcome("Hal");
    fixture.startWorker(fixture.environment(topics, sesProxy.uri()));
    // SES accepts the email, the answer never arrives: the SDK cannot tell and sends again.
    sesProxy.dropNextResponses(1);

    fixture.publishCreated(topics, hal.notificationId(), hal.userId(), "email");

    assertThat(fixture.awaitOutcome(topics, hal.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(sesProxy.faultsServed()).isEqualTo(1);
    assertThat(fixture.emailsTo(hal.address())).hasSizeBetween(1, 2);
    assertThat(ledgerState(hal.notificationId())).isEqualTo("sent");
    assertThat(notificationStatus(hal.notificationId())).isEqualTo("sent");
  }

  @Test
  void mongoAwayRightAfterSesAcceptedStillRecordsOneEmailAsSent() {
    Topics topics = fixture.freshTopics(30);
    PipelineFixture.Welcome ida = fixture.addUserWithWelcome("Ida");
    Worker worker = fixture.startWorker(fixture.environment(topics, sesProxy.uri()));
    sesProxy.afterNextForward(
        () -> {
          mongo.pause();
          Thread.ofVirtual()
              .start(
                  () -> {
                    StopSignal.pause(Duration.ofSeconds(3));
                    mongo.resume();
                  });
        });

    fixture.publishCreated(topics, ida.notificationId(), ida.userId(), "email");

    assertThat(fixture.awaitOutcome(topics, ida.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(fixture.emailsTo(ida.address())).hasSize(1);
    assertThat(ledgerState(ida.notificationId())).isEqualTo("sent");
    assertThat(notificationStatus(ida.notificationId())).isEqualTo("sent");
    assertThat(Meters.messages(worker.registry(), "nacked")).isZero();
  }

  @Test
  void aDeadWorkersClaimIsTakenOverWhenItsLeaseLapsesWithoutSpendingAttempts() {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    PipelineFixture.Welcome jo = fixture.addUserWithWelcome("Jo");
    // What a worker killed mid-send leaves: a claim it will never renew, lapsing in 4 s.
    fixture.data.setOnNotification(
        jo.notificationId(), claimHeldBy("killed-worker", Duration.ofSeconds(4)));
    Worker worker = fixture.startWorker(fixture.environment(topics));

    fixture.publishCreated(topics, jo.notificationId(), jo.userId(), "email");

    assertThat(fixture.awaitOutcome(topics, jo.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(fixture.emailsTo(jo.address())).hasSize(1);
    assertThat(Meters.ledgerClaims(worker.registry(), "held_elsewhere")).isEqualTo(1);
    assertThat(Meters.ledgerClaims(worker.registry(), "taken_over")).isEqualTo(1);
    assertThat(Meters.messages(worker.registry(), "received"))
        .as("held, not nacked: no delivery attempt spent")
        .isEqualTo(1);
    assertThat(Meters.messages(worker.registry(), "nacked")).isZero();
    assertThat(pubsub.drain(topics.deadLetterCheck(), Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void aNotificationAlreadySentWithoutAClaimIsAnnouncedAndNotMailedAgain() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome kim = fixture.addUserWithWelcome("Kim");
    // Sent before this worker version kept its claim on the notification (or by the backend).
    fixture.data.setOnNotification(
        kim.notificationId(),
        new Document("status", "sent")
            .append("sesMessageId", "ses-kim-1")
            .append("sentAt", new Date()));
    Worker worker = fixture.startWorker(fixture.environment(topics));

    fixture.publishCreated(topics, kim.notificationId(), kim.userId(), "email");

    assertThat(fixture.awaitOutcome(topics, kim.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(fixture.emailsTo(kim.address())).isEmpty();
    assertThat(Meters.ledgerClaims(worker.registry(), "already_sent")).isEqualTo(1);
    assertThat(fixture.data.delivery(kim.notificationId())).as("no claim written").isNull();
  }

  @Test
  void aUserWrittenFiveSecondsAfterTheMessageIsDeliveredOnce() {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    String userId = PipelineFixture.unique("late");
    String address = userId + "@example.com";
    String id = PipelineFixture.unique("n-late");
    fixture.data.addNotification(id, userId, "welcome", Map.of("name", "Late"));
    Worker worker = fixture.startWorker(fixture.environment(topics));

    fixture.publishCreated(topics, id, userId, "email");
    StopSignal.pause(Duration.ofSeconds(5));
    fixture.data.addUser(userId, address, "Late");

    assertThat(fixture.awaitOutcome(topics, id).get("status").asText()).isEqualTo("sent");
    assertThat(fixture.emailsTo(address)).hasSize(1);
    assertThat(Meters.messages(worker.registry(), "deadlettered")).isZero();
    assertThat(Meters.messages(worker.registry(), "nacked")).isZero();
    assertThat(pubsub.drain(topics.deadLetterCheck(), Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void aWorkerWhoseClaimWasTakenOverWhileItWaitedDoesNotSend() {
    Topics topics = fixture.freshTopics(30);
    String userId = PipelineFixture.unique("stalled");
    String address = userId + "@example.com";
    String id = PipelineFixture.unique("n-stalled");
    fixture.data.addNotification(id, userId, "welcome", Map.of("name", "Stalled"));
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("CLAIM_LEASE_SECONDS", "3");
    Worker worker = fixture.startWorker(env);

    fixture.publishCreated(topics, id, userId, "email");
    // The worker claims, then waits in place for a user the backend has not written yet.
    await().atMost(Duration.ofSeconds(20)).until(() -> fixture.data.delivery(id) != null);
    // What a stall past the lease leads to: another worker took the notification over.
    fixture.data.setOnNotification(id, claimHeldBy("other-worker", Duration.ofMinutes(5)));
    StopSignal.pause(Duration.ofMillis(1500)); // longer than one renewal (a third of the lease)
    fixture.data.addUser(userId, address, "Stalled");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Meters.messages(worker.registry(), "nacked") >= 1);
    assertThat(fixture.emailsTo(address)).as("the new holder sends, not this worker").isEmpty();
    assertThat(fixture.data.delivery(id).getString("owner")).isEqualTo("other-worker");
    assertThat(notificationStatus(id)).isEqualTo("pending");
  }

  @Test
  void subjectsArriveAsPlainTextOnOneLineBesideATextPart() {
    Topics topics = fixture.freshTopics(10);
    String userId = PipelineFixture.unique("lou");
    String address = userId + "@example.com";
    fixture.data.addUser(userId, address, "Lou");
    String id = PipelineFixture.unique("n-subject");
    fixture.data.addNotification(
        id,
        userId,
        "notification",
        Map.of(
            "title", "Your invoice <#42> & co\r\nBcc: x@evil.test\u2028end", "message", "a < b"));
    fixture.startWorker(fixture.environment(topics));

    fixture.publishCreated(topics, id, userId, "email");

    assertThat(fixture.awaitOutcome(topics, id).get("status").asText()).isEqualTo("sent");
    List<SesEmulator.SentEmail> emails = fixture.emailsTo(address);
    assertThat(emails).hasSize(1);
    assertThat(emails.get(0).subject()).isEqualTo("Your invoice <#42> & co Bcc: x@evil.test end");
    assertThat(emails.get(0).htmlBody()).isEqualTo("<p>a &lt; b</p>");
    assertThat(emails.get(0).textBody()).isEqualTo("a < b");
  }

  /** A live claim of another worker, its lease lapsing in {@code lease}. */
  private static Document claimHeldBy(String owner, Duration lease) {
    return new Document(
        "delivery",
        new Document("state", "sending")
            .append("owner", owner)
            .append("leaseUntil", Date.from(Instant.now().plus(lease)))
            .append("updatedAt", new Date()));
  }

  private static String ledgerState(String id) {
    return fixture.data.delivery(id).getString("state");
  }

  private static String notificationStatus(String id) {
    return fixture.data.notifications().find(new Document("_id", id)).first().getString("status");
  }
}
