package io.vibework.notify.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What ties an SES event back to us (configuration set, message tags) as SES receives it, and the
 * suppression list checked before each send.
 */
class SendingSideTest extends WithRealServers {
  private static final String SEND_EMAIL = "/v2/email/outbound-emails";
  private FaultProxy sesProxy;

  @BeforeEach
  void startProxy() {
    sesProxy = new FaultProxy(ses.endpoint()).recordRequests().start();
  }

  @AfterEach
  void stopProxy() {
    sesProxy.close();
  }

  @Test
  void sendsNameTheConfigurationSetAndCarryNotificationAndPipelineTags() {
    Topics topics = fixture.freshTopics(10);
    String userId = PipelineFixture.unique("tagged");
    fixture.data.addUser(userId, userId + "@example.com", "Tag");
    // An id SES would refuse as a tag value as it stands.
    String id = "orders/" + PipelineFixture.unique("n") + ".v2 ü";
    fixture.data.addNotification(id, userId, "welcome", Map.of("name", "Tag"));
    Map<String, String> env = new HashMap<>(fixture.environment(topics, sesProxy.uri()));
    env.put("AWS_SES_CONFIGURATION_SET", "notify-feedback");
    env.put("PIPELINE_NAME", "team.alerts");
    fixture.startWorker(env);

    fixture.publishCreated(topics, id, userId, "email");
    assertThat(fixture.awaitOutcome(topics, id).get("status").asText()).isEqualTo("sent");

    List<JsonNode> sends =
        sesProxy.recorded().stream()
            .filter(r -> r.path().equals(SEND_EMAIL))
            .map(r -> PipelineFixture.parse(r.body()))
            .toList();
    assertThat(sends).hasSize(1);
    JsonNode send = sends.get(0);
    assertThat(send.path("ConfigurationSetName").asText()).isEqualTo("notify-feedback");
    Map<String, String> tags = new HashMap<>();
    send.path("EmailTags").forEach(t -> tags.put(t.get("Name").asText(), t.get("Value").asText()));
    assertThat(tags).containsOnlyKeys("notificationId", "pipeline");
    assertThat(tags.values()).allMatch(v -> v.matches("[A-Za-z0-9_-]{1,256}"));
    assertThat(tags.get("pipeline")).isEqualTo("team_2ealerts");
    assertThat(io.vibework.notify.worker.email.SesTags.decode(tags.get("notificationId")))
        .isEqualTo(id);
    assertThat(fixture.emailsTo(userId + "@example.com")).hasSize(1);
  }

  @Test
  void withoutAConfigurationSetSendsNameNone() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome welcome = fixture.addUserWithWelcome("Plain");
    fixture.startWorker(fixture.environment(topics, sesProxy.uri()));

    fixture.publishCreated(topics, welcome.notificationId(), welcome.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, welcome.notificationId()).get("status").asText())
        .isEqualTo("sent");
    JsonNode send =
        sesProxy.recorded().stream()
            .filter(r -> r.path().equals(SEND_EMAIL))
            .map(r -> PipelineFixture.parse(r.body()))
            .findFirst()
            .orElseThrow();
    assertThat(send.has("ConfigurationSetName")).isFalse();
    assertThat(send.path("EmailTags").size()).isEqualTo(2);
  }

  @Test
  void aSuppressedRecipientGetsNoSesCallAndTheNotificationFailsAsSuppressed() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome blocked = fixture.addUserWithWelcome("Bounced");
    PipelineFixture.Welcome fine = fixture.addUserWithWelcome("Fine");
    // Stored normalised; the user's row has it in another case.
    suppress(blocked.address().toLowerCase());
    fixture.data.addUser(
        blocked.userId() + "-upper", blocked.address().toUpperCase(), "Bounced Again");
    fixture.data.addNotification(
        blocked.notificationId() + "-upper",
        blocked.userId() + "-upper",
        "welcome",
        Map.of("name", "B"));
    Worker worker = fixture.startWorker(fixture.environment(topics, sesProxy.uri()));

    fixture.publishCreated(topics, blocked.notificationId(), blocked.userId(), "email");
    fixture.publishCreated(
        topics, blocked.notificationId() + "-upper", blocked.userId() + "-upper", "email");
    fixture.publishCreated(topics, fine.notificationId(), fine.userId(), "email");
    Map<String, JsonNode> outcomes =
        fixture.awaitOutcomes(
            topics,
            List.of(
                blocked.notificationId(),
                blocked.notificationId() + "-upper",
                fine.notificationId()));

    for (String id : List.of(blocked.notificationId(), blocked.notificationId() + "-upper")) {
      assertThat(outcomes.get(id).get("status").asText()).isEqualTo("failed");
      assertThat(outcomes.get(id).get("reason").asText()).isEqualTo("suppressed");
      Document notification = fixture.data.notifications().find(new Document("_id", id)).first();
      assertThat(notification.getString("status")).isEqualTo("failed");
      assertThat(notification.get("delivery", Document.class).getString("reason"))
          .isEqualTo("suppressed");
    }
    assertThat(outcomes.get(fine.notificationId()).get("status").asText()).isEqualTo("sent");
    assertThat(outcomes.get(fine.notificationId()).has("reason")).isFalse();
    assertThat(
            sesProxy.recorded().stream()
                .filter(r -> r.path().equals(SEND_EMAIL))
                .filter(r -> r.body().toLowerCase().contains(blocked.address().toLowerCase()))
                .count())
        .isZero();
    assertThat(worker.registry().get("notify.worker.emails.suppressed").counter().count())
        .isEqualTo(2);
    // Acked, not dead-lettered: nothing is wrong with the message itself.
    assertThat(pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(2))).isEmpty();
  }

  @Test
  void anAddressSuppressedWhileTheWorkerRunsIsRefusedWithinTheRefreshAndReleasedLikewise()
      throws InterruptedException {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Later", 3);
    Map<String, String> env = new HashMap<>(fixture.environment(topics, sesProxy.uri()));
    env.put("SUPPRESSION_REFRESH_SECONDS", "1");
    fixture.startWorker(env);
    List<String> ids = user.notificationIds();

    fixture.publishCreated(topics, ids.get(0), user.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, ids.get(0)).get("status").asText()).isEqualTo("sent");

    suppress(user.address());
    // Past the refresh (1 s) with room for a slow read: the staleness bound, not a lucky read.
    Thread.sleep(2500);
    fixture.publishCreated(topics, ids.get(1), user.userId(), "email");
    JsonNode refused = fixture.awaitOutcome(topics, ids.get(1));
    assertThat(refused.get("reason").asText()).isEqualTo("suppressed");

    fixture
        .data
        .suppressions()
        .updateOne(
            new Document("_id", user.address()),
            new Document(
                "$set", new Document("suppressed", false).append("updatedAt", new Date())));
    // Past the refresh (1 s) with room for a slow read: the staleness bound, not a lucky read.
    Thread.sleep(2500);
    fixture.publishCreated(topics, ids.get(2), user.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, ids.get(2)).get("status").asText()).isEqualTo("sent");
    assertThat(fixture.emailsTo(user.address())).hasSize(2);
  }

  private static void suppress(String address) {
    Date now = new Date();
    fixture
        .data
        .suppressions()
        .insertOne(
            new Document("_id", address)
                .append("suppressed", true)
                .append("reason", "bounce")
                .append("bounceType", "Permanent")
                .append("firstSeen", now)
                .append("lastSeen", now)
                .append("updatedAt", now)
                .append("count", 1));
  }
}
