package io.vibework.notify.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.SesEmulator;
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
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline against real Redis, MariaDB, MongoDB wire server, Pub/Sub emulator and SES
 * emulator.
 */
class DeliveryEndToEndTest extends WithRealServers {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void eachTemplateArrivesEscapedAndIsReportedSent() {
    Topics topics = fixture.freshTopics(10);
    String userId = PipelineFixture.unique("ada");
    String address = userId + "@example.com";
    fixture.data.addUser(userId, address, "Ada");
    String welcome = PipelineFixture.unique("n-welcome");
    String notice = PipelineFixture.unique("n-notice");
    String other = PipelineFixture.unique("n-other");
    fixture.data.addNotification(welcome, userId, "welcome", Map.of("name", "Ada & <Co>"));
    fixture.data.addNotification(
        notice,
        userId,
        "notification",
        Map.of("title", "Bill\r\nBcc: x@evil.test", "message", "Total < 5 & \"due\""));
    fixture.data.addNotification(other, userId, "digest", Map.of());
    fixture.startWorker(fixture.environment(topics));

    List.of(welcome, notice, other)
        .forEach(id -> fixture.publishCreated(topics, id, userId, "email"));
    Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, List.of(welcome, notice, other));

    assertThat(outcomes).containsOnlyKeys(welcome, notice, other);
    outcomes
        .values()
        .forEach(
            event -> {
              assertThat(event.get("status").asText()).isEqualTo("sent");
              assertThat(Instant.parse(event.get("timestamp").asText()))
                  .isBefore(Instant.now().plusSeconds(1));
              assertThat(event.get("timestamp").asText()).endsWith("Z");
            });
    Map<String, SesEmulator.SentEmail> bySubject =
        fixture.emailsTo(address).stream()
            .collect(Collectors.toMap(SesEmulator.SentEmail::subject, Function.identity()));
    assertThat(bySubject).hasSize(3);
    assertThat(bySubject.get("Welcome to VibeWork!").htmlBody())
        .isEqualTo("<p>Welcome Ada &amp; &lt;Co&gt;!</p>");
    assertThat(bySubject.get("Bill Bcc: x@evil.test").htmlBody())
        .isEqualTo("<p>Total &lt; 5 &amp; &quot;due&quot;</p>");
    assertThat(bySubject.get("Notification").htmlBody())
        .isEqualTo("<p>You have a new notification</p>");
    assertThat(bySubject.values())
        .allSatisfy(email -> assertThat(email.from()).contains("noreply@vibework.io"));

    Document stored = fixture.data.notifications().find(new Document("_id", welcome)).first();
    assertThat(stored.getString("status")).isEqualTo("sent");
    assertThat(stored.getString("sesMessageId")).isNotBlank();
    assertThat(stored.get("sentAt")).isInstanceOf(Date.class);
  }

  @Test
  void duplicatesAcrossTwoWorkersSendOneEmailEach() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Backlog bob = fixture.addUserWithBacklog("Bob", 20);
    String userId = bob.userId();
    String address = bob.address();
    List<String> ids = bob.notificationIds();
    Worker first = fixture.startWorker(fixture.environment(topics));
    Worker second = fixture.startWorker(fixture.environment(topics));

    for (String id : ids) {
      fixture.publishCreated(topics, id, userId, "email");
      fixture.publishCreated(topics, id, userId, "email");
    }
    Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, ids);

    assertThat(outcomes.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> acked(first) + acked(second) >= 2 * ids.size());
    assertThat(fixture.emailsTo(address))
        .extracting(SesEmulator.SentEmail::subject)
        .containsExactlyInAnyOrderElementsOf(ids);
    assertThat(received(first)).as("both workers took part").isPositive();
    assertThat(received(second)).as("both workers took part").isPositive();

    // A later redelivery of an already-sent notification is acknowledged and sends nothing.
    pubsub.drain(topics.sentCheck(), Duration.ofSeconds(1));
    fixture.publishCreated(topics, ids.get(0), userId, "email");
    assertThat(fixture.awaitOutcome(topics, ids.get(0)).get("status").asText()).isEqualTo("sent");
    assertThat(fixture.emailsTo(address)).hasSize(ids.size());
    assertThat(pubsub.drain(topics.subscription(), Duration.ofSeconds(2)))
        .as("nothing left unacknowledged")
        .isEmpty();
  }

  @Test
  void aWorkerThatDiedBetweenSendAndAckDoesNotCauseASecondEmail() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome cy = fixture.addUserWithWelcome("Cy");
    String id = cy.notificationId();
    // What a worker leaves behind when it dies after SES accepted the email but before acking.
    fixture.data.setOnNotification(
        id,
        new Document("status", "sent")
            .append("sesMessageId", "ses-1")
            .append("sentAt", new Date())
            .append(
                "delivery",
                new Document("state", "sent")
                    .append("owner", "dead-worker")
                    .append("leaseUntil", new Date())));
    fixture.startWorker(fixture.environment(topics));

    fixture.publishCreated(topics, id, cy.userId(), "email");

    assertThat(fixture.awaitOutcome(topics, id).get("status").asText()).isEqualTo("sent");
    assertThat(fixture.emailsTo(cy.address())).isEmpty();
    assertThat(pubsub.drain(topics.subscription(), Duration.ofSeconds(2))).isEmpty();
  }

  @Test
  void messagesThatCanNeverSucceedAreDeadLetteredReportedAndAcked() {
    Topics topics = fixture.freshTopics(10);
    String known = PipelineFixture.unique("dee");
    fixture.data.addUser(known, known + "@example.com", "Dee");
    String orphan = PipelineFixture.unique("n-orphan");
    fixture.data.addNotification(orphan, "nobody", "welcome", Map.of());
    String missing = PipelineFixture.unique("n-missing");
    String halfMessage = PipelineFixture.unique("n-half");
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    // Missing records count as "not visible yet" for this long, then as never coming.
    env.put("UNKNOWN_RECORD_GRACE_SECONDS", "2");
    Worker worker = fixture.startWorker(env);

    pubsub.publish(topics.created(), "this is not json");
    pubsub.publish(
        topics.created(), "{\"notificationId\":\"" + halfMessage + "\",\"type\":\"email\"}");
    fixture.publishCreated(topics, orphan, "nobody", "email");
    fixture.publishCreated(topics, missing, known, "email");

    List<PubSubEmulator.ReceivedMessage> dead =
        pubsub.awaitMessages(topics.deadLetterCheck(), 4, Duration.ofSeconds(60));
    assertThat(dead)
        .extracting(m -> m.attributes().get("deadLetterReason"))
        .containsExactlyInAnyOrder(
            "malformed_message", "malformed_message", "unknown_user", "unknown_notification");
    assertThat(dead).extracting(PubSubEmulator.ReceivedMessage::data).contains("this is not json");
    Map<String, JsonNode> outcomes =
        fixture.awaitOutcomes(topics, List.of(halfMessage, orphan, missing));
    assertThat(outcomes).containsOnlyKeys(halfMessage, orphan, missing);
    assertThat(outcomes.values())
        .allSatisfy(event -> assertThat(event.get("status").asText()).isEqualTo("failed"));
    assertThat(
            fixture
                .data
                .notifications()
                .find(new Document("_id", orphan))
                .first()
                .getString("status"))
        .isEqualTo("failed");
    // Acknowledged, not retried: nothing comes back and nothing was received twice.
    assertThat(pubsub.drain(topics.subscription(), Duration.ofSeconds(3))).isEmpty();
    assertThat(Meters.messages(worker.registry(), "received")).isEqualTo(4);
    assertThat(Meters.messages(worker.registry(), "deadlettered")).isEqualTo(4);
    assertThat(fixture.emailsTo(known + "@example.com")).isEmpty();
  }

  @Test
  void aMalformedMessageNamingASentNotificationLeavesItsRecordsAlone() {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome gus = fixture.addUserWithWelcome("Gus");
    fixture.startWorker(fixture.environment(topics));
    fixture.publishCreated(topics, gus.notificationId(), gus.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, gus.notificationId()).get("status").asText())
        .isEqualTo("sent");

    pubsub.publish(
        topics.created(),
        "{\"notificationId\":\"" + gus.notificationId() + "\",\"type\":\"email\"}");

    assertThat(pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(30)))
        .hasSize(1);
    assertThat(fixture.awaitOutcome(topics, gus.notificationId()).get("status").asText())
        .isEqualTo("failed");
    assertThat(
            fixture
                .data
                .notifications()
                .find(new Document("_id", gus.notificationId()))
                .first()
                .getString("status"))
        .isEqualTo("sent");
    assertThat(fixture.data.delivery(gus.notificationId()).getString("state")).isEqualTo("sent");
    assertThat(fixture.emailsTo(gus.address())).hasSize(1);
  }

  @Test
  void otherNotificationTypesAreAcknowledgedWithoutEmail() {
    Topics topics = fixture.freshTopics(10);
    Worker worker = fixture.startWorker(fixture.environment(topics));
    int before = ses.emails().size();

    fixture.publishCreated(topics, PipelineFixture.unique("n-sms"), "someone", "sms");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Meters.messages(worker.registry(), "acked") == 1);
    assertThat(Meters.messages(worker.registry(), "skipped")).isEqualTo(1);
    assertThat(ses.emails()).hasSize(before);
  }

  @Test
  void sesThrottlingIsRetriedAndTheEmailArrivesOnce() throws Exception {
    Topics topics = fixture.freshTopics(30);
    PipelineFixture.Welcome eve = fixture.addUserWithWelcome("Eve");
    try (FaultProxy proxy = new FaultProxy(ses.endpoint())) {
      proxy.faultsOnlyOn(DeliveryUnderFaultsTest.SEND_EMAIL).start();
      Worker worker = fixture.startWorker(fixture.environment(topics, proxy.uri()));
      proxy.failNext(3, 429);

      fixture.publishCreated(topics, eve.notificationId(), eve.userId(), "email");

      assertThat(fixture.awaitOutcome(topics, eve.notificationId()).get("status").asText())
          .isEqualTo("sent");
      assertThat(proxy.faultsServed()).isEqualTo(3);
      assertThat(fixture.emailsTo(eve.address())).hasSize(1);
      assertThat(Meters.emails(worker.registry(), "retried", "throttled")).isEqualTo(3);
      assertThat(Meters.emails(worker.registry(), "sent", "ok")).isEqualTo(1);
    }
  }

  @Test
  void readinessNamesTheCacheWhileRedisIsDownAndDeliveryGoesOn() throws Exception {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Welcome fay = fixture.addUserWithWelcome("Fay");
    Worker worker = fixture.startWorker(fixture.environment(topics));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(PipelineFixture.parse(get(worker, "/readyz").body()).has("sesAccount")));
    HttpResponse<String> healthy = get(worker, "/readyz");
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.body())
        .startsWith(
            "{\"status\":\"ready\",\"checks\":{\"database\":\"ok\",\"cache\":\"ok\",\"notifications\":\"ok\",\"pubsub\":\"ok\",\"email\":\"ok\"},\"sesAccount\":{");
    JsonNode account = PipelineFixture.parse(healthy.body()).get("sesAccount");
    assertThat(account.get("maxSendRate").asDouble()).isEqualTo(SesEmulator.ACCOUNT_MAX_SEND_RATE);
    assertThat(account.get("max24HourSend").asDouble()).isEqualTo(50000.0);
    assertThat(account.get("sentLast24Hours").asDouble()).isZero();
    assertThat(account.get("sendingEnabled").asBoolean()).isTrue();
    assertThat(Instant.parse(account.get("checkedAt").asText())).isBefore(Instant.now());
    assertThat(get(worker, "/readyz/subscriber").body()).isEqualTo("{\"status\":\"ready\"}");

    redis.stop();

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              HttpResponse<String> ready = get(worker, "/readyz");
              assertThat(ready.statusCode()).isEqualTo(503);
              JsonNode body = PipelineFixture.parse(ready.body());
              assertThat(body.get("status").asText()).isEqualTo("not_ready");
              assertThat(body.get("checks").get("cache").asText()).isEqualTo("error");
              assertThat(body.get("checks").get("database").asText()).isEqualTo("ok");
              assertThat(body.get("reasons").get("cache").asText())
                  .isEqualTo("CacheUnavailableException");
              assertThat(body.get("reasons").has("database")).isFalse();
            });
    fixture.publishCreated(topics, fay.notificationId(), fay.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, fay.notificationId()).get("status").asText())
        .isEqualTo("sent");
    assertThat(fixture.emailsTo(fay.address())).hasSize(1);
    assertThat(get(worker, "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(worker, "/readyz/subscriber").statusCode())
        .as("a shared dependency's outage does not make the pod NotReady")
        .isEqualTo(200);

    redis.start();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(get(worker, "/readyz").statusCode()).isEqualTo(200));
  }

  @Test
  void metricsExposeTheDocumentedMeters() throws Exception {
    Topics topics = fixture.freshTopics(10);
    Worker worker = fixture.startWorker(fixture.environment(topics));

    String metrics = get(worker, "/metrics").body();

    assertThat(metrics)
        .contains(
            "notify_worker_messages_total{outcome=\"received\"}",
            "notify_worker_messages_total{outcome=\"acked\"}",
            "notify_worker_messages_total{outcome=\"nacked\"}",
            "notify_worker_messages_total{outcome=\"deadlettered\"}",
            "notify_worker_messages_total{outcome=\"skipped\"}",
            "notify_worker_messages_in_flight",
            "notify_worker_message_processing_duration_seconds_bucket",
            "notify_worker_emails_total{reason=\"ok\",result=\"sent\"}",
            "notify_worker_email_send_duration_seconds_bucket",
            "notify_worker_ses_account_blocked 0",
            "notify_worker_ses_quota_max_send_rate",
            "notify_worker_ses_quota_max_24h_send",
            "notify_worker_ses_quota_sent_last_24h",
            "notify_worker_ses_sending_enabled",
            "notify_worker_ledger_claims_total{outcome=\"acquired\"}",
            "notify_worker_ledger_claims_total{outcome=\"already_sent\"}",
            "notify_worker_ledger_claims_total{outcome=\"held_elsewhere\"}",
            "notify_worker_ledger_claims_total{outcome=\"taken_over\"}",
            "notify_worker_cache_requests_total{result=\"hit\"}",
            "notify_worker_cache_requests_total{result=\"miss\"}",
            "notify_worker_cache_requests_total{result=\"error\"}",
            "notify_worker_cache_operation_duration_seconds_bucket",
            "notify_worker_db_query_duration_seconds_bucket",
            "hikaricp_connections_active",
            "hikaricp_connections_max");
    assertThat(metrics).doesNotContain("\nworker_");

    // A poller that needs one counter asks for its family alone, as Prometheus's params allow.
    String messages =
        get(
                worker,
                "/metrics?name[]=notify_worker_messages_total&name[]=notify_worker_messages_in_flight")
            .body();
    assertThat(messages)
        .contains(
            "notify_worker_messages_total{outcome=\"acked\"}", "notify_worker_messages_in_flight")
        .doesNotContain("jvm_", "notify_worker_emails_total", "hikaricp_");
  }

  private HttpResponse<String> get(Worker worker, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.httpPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static double acked(Worker worker) {
    return Meters.messages(worker.registry(), "acked");
  }

  private static double received(Worker worker) {
    return Meters.messages(worker.registry(), "received");
  }
}
