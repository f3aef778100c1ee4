package io.vibework.notify.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.SqsServer;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The reputation guard on real servers: hard bounces past its limit stop sending as an SES account
 * error does (held, not failed), and a worker started fresh (the lift) sends the held message and
 * does not count bounces of emails sent before it started.
 */
class ReputationGuardTest extends WithRealServers {
  @RegisterExtension static final SqsServer sqs = new SqsServer();

  @Test
  void bouncesPastTheLimitHoldSendingWithoutFailingAnythingUntilTheGuardIsLifted()
      throws Exception {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    SqsServer.Queues queues =
        sqs.createQueues(PipelineFixture.unique("guard"), 5, Duration.ofSeconds(2));
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("AWS_SES_CONFIGURATION_SET", "notify-feedback");
    env.put("AWS_SES_FEEDBACK_QUEUE_URL", queues.url());
    env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
    env.put("REPUTATION_GUARD_MAX_BOUNCE_RATE", "0.05");
    env.put("REPUTATION_GUARD_MIN_SENDS", "2");
    Worker guarded = fixture.startWorker(env);

    // Two emails out, both bounce hard: 100% of the window's two sends.
    for (int i = 0; i < 2; i++) {
      PipelineFixture.Welcome gone = fixture.addUserWithWelcome("Gone");
      fixture.publishCreated(topics, gone.notificationId(), gone.userId(), "email");
      assertThat(fixture.awaitOutcome(topics, gone.notificationId()).get("status").asText())
          .isEqualTo("sent");
      String sesId = notification(gone.notificationId()).getString("sesMessageId");
      sqs.send(
          queues.url(),
          SesEvents.event("bounce-permanent", gone.address(), sesId, gone.notificationId()));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode ready = PipelineFixture.readyz(guarded);
              assertThat(ready.path("status").asText()).isEqualTo("not_ready");
              assertThat(ready.path("reasons").path("email").asText())
                  .isEqualTo("reputation_guard");
              assertThat(ready.path("sesFeedback").path("reputationGuard").asText())
                  .isEqualTo("bounce_rate");
            });

    PipelineFixture.Welcome held = fixture.addUserWithWelcome("Held");
    fixture.publishCreated(topics, held.notificationId(), held.userId(), "email");
    Thread.sleep(3_000);
    assertThat(fixture.emailsTo(held.address())).as("held, not sent").isEmpty();
    assertThat(notification(held.notificationId()).getString("status")).isNotEqualTo("failed");
    assertThat(pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(1))).isEmpty();
    assertThat(guarded.registry().get("notify.worker.ses.reputation.guard").gauge().value())
        .isEqualTo(1.0);

    // The lift: the operator rolls the workers; a fresh one has an empty window.
    fixture.stopWorkers();
    env.put("REPUTATION_GUARD_LIFTED_AT", "2026-12-04T21:00:00Z");
    Worker lifted = fixture.startWorker(env);
    assertThat(fixture.awaitOutcome(topics, held.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(fixture.emailsTo(held.address())).hasSize(1);

    // A late bounce of an email sent before this worker started is old news: not in its rate.
    PipelineFixture.Welcome late = fixture.addUserWithWelcome("Late");
    sqs.send(
        queues.url(),
        SesEvents.event(
            "bounce-permanent",
            late.address(),
            "ses-before",
            "n-before",
            "fb-before",
            java.time.Instant.now().minusSeconds(600)));
    await().atMost(Duration.ofSeconds(20)).until(() -> suppression(late.address()) != null);
    assertThat(PipelineFixture.readyz(lifted).path("sesFeedback").path("hardBounces24h").asLong())
        .isZero();
    assertThat(PipelineFixture.readyz(lifted).path("checks").path("email").asText())
        .isEqualTo("ok");
    assertThat(PipelineFixture.readyz(lifted).path("sesFeedback").has("reputationGuard")).isFalse();
  }

  private static Document notification(String id) {
    return fixture.data.notifications().find(new Document("_id", id)).first();
  }

  private static Document suppression(String address) {
    return fixture.data.suppressions().find(new Document("_id", address.toLowerCase())).first();
  }
}
