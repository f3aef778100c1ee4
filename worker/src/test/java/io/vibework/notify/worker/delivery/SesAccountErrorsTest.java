package io.vibework.notify.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.worker.Meters;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SES errors about the whole account never fail or dead-letter a message: the worker holds what it
 * has, pulls no more, says why in {@code /readyz}, and resumes by itself. Errors about one message
 * are that message's end. SES's answers come from the fault proxy in SES v2's own shape (status,
 * {@code x-amzn-ErrorType}, JSON body).
 */
class SesAccountErrorsTest extends WithRealServers {
  /** Every account-level error the README lists, with the status SES answers it with. */
  private static final Map<String, Integer> ACCOUNT_ERRORS =
      Map.of(
          "SendingPausedException", 400,
          "AccountSuspendedException", 400,
          "MailFromDomainNotVerifiedException", 400,
          "LimitExceededException", 400,
          "TooManyRequestsException", 429,
          "InvalidClientTokenId", 403,
          "SignatureDoesNotMatch", 403,
          "ExpiredToken", 403);

  private final HttpClient http = HttpClient.newHttpClient();
  private FaultProxy sesProxy;

  @BeforeEach
  void startProxy() {
    sesProxy =
        new FaultProxy(ses.endpoint()).faultsOnlyOn(DeliveryUnderFaultsTest.SEND_EMAIL).start();
  }

  @AfterEach
  void stopProxy() {
    sesProxy.close();
  }

  @Test
  void eachAccountLevelErrorPausesWithoutFailingAnythingAndDeliveryResumesByItself()
      throws Exception {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    Map<String, String> env = new HashMap<>(fixture.environment(topics, sesProxy.uri()));
    env.put("PUBSUB_MAX_OUTSTANDING_MESSAGES", "2");
    Worker worker = fixture.startWorker(env);
    boolean first = true;

    for (Map.Entry<String, Integer> error : ACCOUNT_ERRORS.entrySet()) {
      String code = error.getKey();
      sesProxy.failNextLikeSes(10_000, error.getValue(), code, "refused by the fault proxy");
      String userId = PipelineFixture.unique("acct");
      String address = userId + "@example.com";
      fixture.data.addUser(userId, address, "Acct");
      // The first round sends more messages than flow control admits, to see pulling pause.
      List<String> ids =
          IntStream.range(0, first ? 4 : 1)
              .mapToObj(i -> PipelineFixture.unique("n-acct"))
              .peek(id -> fixture.data.addNotification(id, userId, "welcome", Map.of()))
              .toList();
      double receivedBefore = Meters.messages(worker.registry(), "received");
      ids.forEach(id -> fixture.publishCreated(topics, id, userId, "email"));

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                HttpResponse<String> ready = get(worker, "/readyz");
                assertThat(ready.statusCode()).as(code).isEqualTo(503);
                JsonNode body = PipelineFixture.parse(ready.body());
                assertThat(body.at("/checks/email").asText()).isEqualTo("error");
                assertThat(body.at("/reasons/email").asText()).isEqualTo(code);
                assertThat(body.at("/checks/database").asText()).isEqualTo("ok");
              });
      assertThat(get(worker, "/readyz/subscriber").statusCode())
          .as("the pod stays Ready: the account is everyone's problem")
          .isEqualTo(200);
      assertThat(get(worker, "/metrics").body()).contains("notify_worker_ses_account_blocked 1.0");
      if (first) {
        StopSignal.pause(Duration.ofSeconds(2));
        assertThat(Meters.messages(worker.registry(), "received") - receivedBefore)
            .as("pulling paused at flow control while blocked")
            .isEqualTo(2);
      }
      assertThat(ids)
          .allSatisfy(
              id ->
                  assertThat(
                          fixture
                              .data
                              .notifications()
                              .find(new Document("_id", id))
                              .first()
                              .getString("status"))
                      .as("never marked failed for %s", code)
                      .isNotEqualTo("failed"));

      sesProxy.clearFaults();

      Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, ids);
      assertThat(outcomes.values())
          .allSatisfy(event -> assertThat(event.get("status").asText()).isEqualTo("sent"));
      assertThat(fixture.emailsTo(address)).hasSize(ids.size());
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(get(worker, "/readyz").statusCode()).isEqualTo(200));
      first = false;
    }

    assertThat(Meters.messages(worker.registry(), "deadlettered")).isZero();
    assertThat(Meters.messages(worker.registry(), "nacked")).isZero();
    assertThat(Meters.emails(worker.registry(), "failed", "account")).isPositive();
    assertThat(pubsub.drain(topics.deadLetterCheck(), Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void anErrorAboutOneMessageFailsThatMessageOnly() throws Exception {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    Worker worker = fixture.startWorker(fixture.environment(topics, sesProxy.uri()));
    PipelineFixture.Welcome rejected = fixture.addUserWithWelcome("Rejected");
    PipelineFixture.Welcome fine = fixture.addUserWithWelcome("Fine");
    sesProxy.failNextLikeSes(1, 400, "MessageRejected", "Email address is not verified.");

    fixture.publishCreated(topics, rejected.notificationId(), rejected.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, rejected.notificationId()).get("status").asText())
        .isEqualTo("failed");
    fixture.publishCreated(topics, fine.notificationId(), fine.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, fine.notificationId()).get("status").asText())
        .isEqualTo("sent");

    assertThat(pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(10)))
        .extracting(m -> m.attributes().get("deadLetterReason"))
        .containsExactly("ses_rejected");
    assertThat(Meters.emails(worker.registry(), "failed", "rejected")).isEqualTo(1);
    assertThat(fixture.emailsTo(fine.address())).hasSize(1);
    assertThat(get(worker, "/readyz").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> get(Worker worker, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.httpPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
