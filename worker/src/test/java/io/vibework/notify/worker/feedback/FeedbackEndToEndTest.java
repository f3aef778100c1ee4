package io.vibework.notify.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.SqsServer;
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
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The feedback loop on real servers: SES events on an ElasticMQ queue, effects in MongoDB. */
class FeedbackEndToEndTest extends WithRealServers {
  @RegisterExtension static final SqsServer sqs = new SqsServer();
  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void restartSqs() {
    if (!sqs.isRunning()) {
      sqs.start();
    }
    if (!mongo.isRunning()) {
      mongo.resume();
    }
  }

  private SqsServer.Queues queues() {
    return sqs.createQueues(PipelineFixture.unique("feedback"), 2, Duration.ofSeconds(2));
  }

  private Map<String, String> env(Topics topics, SqsServer.Queues queues) {
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("AWS_SES_CONFIGURATION_SET", "notify-feedback");
    env.put("AWS_SES_FEEDBACK_QUEUE_URL", queues.url());
    env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
    return env;
  }

  private String sendAndGetSesId(Topics topics, String notificationId, String userId) {
    fixture.publishCreated(topics, notificationId, userId, "email");
    assertThat(fixture.awaitOutcome(topics, notificationId).get("status").asText())
        .isEqualTo("sent");
    return notification(notificationId).getString("sesMessageId");
  }

  private static Document notification(String id) {
    return fixture.data.notifications().find(new Document("_id", id)).first();
  }

  private static Document suppression(String address) {
    return fixture.data.suppressions().find(new Document("_id", address.toLowerCase())).first();
  }

  private static double feedbackCount(Worker worker, String type, String subtype) {
    var counter =
        worker
            .registry()
            .find("notify.worker.ses.feedback")
            .tag("type", type)
            .tag("subtype", subtype)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aHardBounceSuppressesTheAddressAndTheNextNotificationToItIsNotSent() throws Exception {
    Topics topics = fixture.freshTopics(10);
    String feedbackTopic = PipelineFixture.unique("feedback-topic");
    pubsub.createTopic(feedbackTopic);
    pubsub.createSubscription(feedbackTopic + "-watch", feedbackTopic, 60);
    SqsServer.Queues queues = queues();
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Gone", 2);
    Map<String, String> env = env(topics, queues);
    env.put("PUBSUB_TOPIC_FEEDBACK", feedbackTopic);
    Worker worker = fixture.startWorker(env);
    String first = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, first, user.userId());

    sqs.send(
        queues.url(),
        SesEvents.wrap(
            SesEvents.event("bounce-permanent", user.address(), sesId, first),
            SesEvents.Envelope.SNS));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> suppression(user.address()) != null && sqs.depth(queues.url()) == 0);

    Document suppressed = suppression(user.address());
    assertThat(suppressed.getBoolean("suppressed")).isTrue();
    assertThat(suppressed.getString("reason")).isEqualTo("bounce");
    assertThat(suppressed.getString("bounceType")).isEqualTo("Permanent");
    assertThat(suppressed.getString("sourceNotificationId")).isEqualTo(first);
    Document feedback =
        notification(first).get("delivery", Document.class).get("feedback", Document.class);
    assertThat(feedback.getString("type")).isEqualTo("bounce");
    assertThat(feedback.getString("subtype")).isEqualTo("Permanent");
    List<PubSubEmulator.ReceivedMessage> announced =
        pubsub.awaitMessages(feedbackTopic + "-watch", 1, Duration.ofSeconds(10));
    assertThat(announced).hasSize(1);
    JsonNode event = PipelineFixture.parse(announced.get(0).data());
    assertThat(event.get("notificationId").asText()).isEqualTo(first);
    assertThat(event.get("userId").asText()).isEqualTo(user.userId());
    assertThat(event.get("type").asText()).isEqualTo("bounce");
    assertThat(announced.get(0).data()).doesNotContain(user.address());

    String second = user.notificationIds().get(1);
    fixture.publishCreated(topics, second, user.userId(), "email");
    JsonNode outcome = fixture.awaitOutcome(topics, second);
    assertThat(outcome.get("status").asText()).isEqualTo("failed");
    assertThat(outcome.get("reason").asText()).isEqualTo("suppressed");
    assertThat(fixture.emailsTo(user.address())).hasSize(1);
    assertThat(feedbackCount(worker, "bounce", "Permanent")).isEqualTo(1);
    assertThat(worker.registry().get("notify.worker.ses.bounce.rate.24h").gauge().value())
        .isEqualTo(1.0);
    // What the operator sums over the pods for status.email.
    JsonNode reported = PipelineFixture.parse(readyz(worker).body()).path("sesFeedback");
    assertThat(reported.path("sends24h").asLong()).isEqualTo(1);
    assertThat(reported.path("hardBounces24h").asLong()).isEqualTo(1);
    assertThat(reported.path("complaints24h").asLong()).isZero();
    assertThat(reported.path("suppressedAddresses").asLong()).isGreaterThanOrEqualTo(1);
    assertThat(reported.path("suppressedSends").asLong()).isEqualTo(1);
  }

  @Test
  void anEventForAnUnknownNotificationKeepsTheSourceAnEarlierEventNamed() {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Source", 1);
    fixture.startWorker(env(topics, queues));
    String id = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, id, user.userId());

    sqs.send(queues.url(), SesEvents.event("bounce-permanent", user.address(), sesId, id));
    await().atMost(Duration.ofSeconds(20)).until(() -> suppression(user.address()) != null);
    sqs.send(
        queues.url(),
        SesEvents.event("complaint-abuse", user.address(), "ses-elsewhere", "n-elsewhere"));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> suppression(user.address()).getInteger("count") == 2);

    assertThat(suppression(user.address()).getString("sourceNotificationId")).isEqualTo(id);
  }

  @Test
  void theSameEventDeliveredTwiceCountsOnce() {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Twice", 1);
    Map<String, String> env = env(topics, queues);
    env.put("FEEDBACK_TRANSIENT_BOUNCE_LIMIT", "2");
    Worker worker = fixture.startWorker(env);
    String id = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, id, user.userId());

    String event = SesEvents.event("bounce-transient", user.address(), sesId, id, "fb-twice");
    sqs.send(queues.url(), SesEvents.wrap(event, SesEvents.Envelope.RAW));
    sqs.send(queues.url(), SesEvents.wrap(event, SesEvents.Envelope.EVENTBRIDGE));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> sqs.depth(queues.url()) == 0 && suppression(user.address()) != null);

    Document doc = suppression(user.address());
    assertThat(doc.getInteger("count")).isEqualTo(1);
    // Two counted would have reached the limit of 2.
    assertThat(doc.getBoolean("suppressed")).isFalse();
    assertThat(feedbackCount(worker, "bounce", "Transient")).isEqualTo(1);
    // Deleted, not moved to the dead letter after failing again and again.
    assertThat(sqs.drain(queues.deadLetterUrl(), Duration.ofSeconds(1))).isEmpty();
  }

  @Test
  void aComplaintOnTheNotificationIsNotReplacedByALaterDelivery() {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Grumpy", 1);
    fixture.startWorker(env(topics, queues));
    String id = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, id, user.userId());

    sqs.send(queues.url(), SesEvents.event("complaint-abuse", user.address(), sesId, id));
    await().atMost(Duration.ofSeconds(20)).until(() -> suppression(user.address()) != null);
    // SES reports the delivery too, and the queue may hand it over after the complaint.
    sqs.send(queues.url(), SesEvents.event("delivery", user.address(), sesId, id));
    await().atMost(Duration.ofSeconds(20)).until(() -> sqs.depth(queues.url()) == 0);

    Document feedback =
        notification(id).get("delivery", Document.class).get("feedback", Document.class);
    assertThat(feedback.getString("type")).isEqualTo("complaint");
    assertThat(suppression(user.address()).getString("reason")).isEqualTo("complaint");
  }

  @Test
  void transientBouncesSuppressAtTheLimitAndADeliveryReleasesThem() {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Soft", 2);
    fixture.startWorker(env(topics, queues));
    String id = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, id, user.userId());

    for (int i = 0; i < 3; i++) {
      sqs.send(queues.url(), SesEvents.event("bounce-transient", user.address(), sesId, id));
    }
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                suppression(user.address()) != null
                    && Boolean.TRUE.equals(suppression(user.address()).getBoolean("suppressed")));
    assertThat(suppression(user.address()).getString("reason")).isEqualTo("transient_bounces");

    sqs.send(queues.url(), SesEvents.event("delivery", user.address(), sesId, id));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Boolean.FALSE.equals(suppression(user.address()).getBoolean("suppressed")));
    String next = user.notificationIds().get(1);
    fixture.publishCreated(topics, next, user.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, next).get("status").asText()).isEqualTo("sent");
  }

  @Test
  void aMalformedMessageEndsInTheQueuesDeadLetter() {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    Worker worker = fixture.startWorker(env(topics, queues));

    sqs.send(queues.url(), "{\"Type\":\"Notification\",\"Message\":\"not an ses event\"}");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !sqs.drain(queues.deadLetterUrl(), Duration.ofSeconds(1)).isEmpty());
    assertThat(sqs.depth(queues.url())).isZero();
    assertThat(worker.registry().get("notify.worker.ses.feedback.malformed").counter().count())
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void aWorkerThatCouldNotWriteTheEffectsLeavesTheEventForTheNext() throws Exception {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues =
        sqs.createQueues(PipelineFixture.unique("feedback"), 5, Duration.ofSeconds(2));
    PipelineFixture.Backlog user = fixture.addUserWithBacklog("Later", 1);
    Worker first = fixture.startWorker(env(topics, queues));
    String id = user.notificationIds().get(0);
    String sesId = sendAndGetSesId(topics, id, user.userId());

    mongo.pause();
    sqs.send(queues.url(), SesEvents.event("complaint-abuse", user.address(), sesId, id));
    // Time to receive it (more than once: 2 s visibility) and fail to write each time.
    Thread.sleep(6000);
    assertThat(first.registry().find("notify.worker.ses.feedback").counters()).isEmpty();
    assertThat(sqs.depth(queues.url())).isEqualTo(1);
    fixture.stopWorkers();
    mongo.resume();

    fixture.startWorker(env(topics, queues));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> suppression(user.address()) != null && sqs.depth(queues.url()) == 0);
    assertThat(suppression(user.address()).getString("reason")).isEqualTo("complaint");
  }

  @Test
  void withSqsStoppedTheWorkerKeepsSendingAndReadyzSaysFeedbackError() throws Exception {
    Topics topics = fixture.freshTopics(10);
    SqsServer.Queues queues = queues();
    Worker worker = fixture.startWorker(env(topics, queues));
    sqs.stop();

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> readyz(worker).body().contains("\"feedback\":\"error\""));
    HttpResponse<String> readyz = readyz(worker);
    assertThat(readyz.statusCode()).isEqualTo(200);
    assertThat(PipelineFixture.parse(readyz.body()).path("checks").path("email").asText())
        .isEqualTo("ok");
    PipelineFixture.Welcome welcome = fixture.addUserWithWelcome("Steady");
    fixture.publishCreated(topics, welcome.notificationId(), welcome.userId(), "email");
    assertThat(fixture.awaitOutcome(topics, welcome.notificationId()).get("status").asText())
        .isEqualTo("sent");
  }

  private HttpResponse<String> readyz(Worker worker) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.httpPort() + "/readyz"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
