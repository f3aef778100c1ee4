package io.vibework.notify.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.PipelineFixture.Topics;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The worker as Kubernetes runs it: its own process, its environment, signals and stdout. */
class WorkerProcessTest extends WithRealServers {

  @Test
  void aBadVariableStopsStartUpWithOneLineNamingIt() throws Exception {
    Map<String, String> env = new HashMap<>(fixture.environment(fixture.freshTopics(10)));
    env.put("MYSQL_PORT", "three-three-oh-six");

    try (WorkerProcess worker = WorkerProcess.start(env)) {
      assertThat(worker.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(worker.stderr().lines().toList())
          .containsExactly(
              "worker: invalid configuration: MYSQL_PORT: must be a whole number (got 'three-three-oh-six')");
    }
  }

  @Test
  void aBadBindAddressStopsStartUpWithOneLineNamingIt() throws Exception {
    Map<String, String> env = new HashMap<>(fixture.environment(fixture.freshTopics(10)));
    env.put("HTTP_BIND_ADDRESS", "pod-ip");

    try (WorkerProcess worker = WorkerProcess.start(env)) {
      assertThat(worker.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(worker.stderr().lines().toList())
          .containsExactly(
              "worker: invalid configuration: HTTP_BIND_ADDRESS: must be an IP address (got 'pod-ip')");
    }
  }

  @Test
  void withABindAddressItListensThereOnly() throws Exception {
    Map<String, String> env = new HashMap<>(fixture.environment(fixture.freshTopics(10)));
    int port = Ports.free();
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("HTTP_BIND_ADDRESS", "127.0.0.9");

    try (WorkerProcess worker = WorkerProcess.start(env)) {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest healthz =
          HttpRequest.newBuilder(URI.create("http://127.0.0.9:" + port + "/healthz")).build();
      await()
          .atMost(Duration.ofSeconds(60))
          .ignoreExceptions()
          .until(
              () -> http.send(healthz, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
      assertThatThrownBy(
              () ->
                  http.send(
                      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
                          .build(),
                      HttpResponse.BodyHandlers.discarding()))
          .isInstanceOf(ConnectException.class);
    }
  }

  @Test
  void aMissingSecretIsNamedButNeverPrinted() throws Exception {
    Map<String, String> env = new HashMap<>(fixture.environment(fixture.freshTopics(10)));
    env.put("MONGODB_URL", "mongodb://user:hunter2-secret@mongo:27017");

    try (WorkerProcess worker = WorkerProcess.start(env)) {
      assertThat(worker.awaitExit(Duration.ofSeconds(30))).isEqualTo(2);
      assertThat(worker.stderr()).contains("MONGODB_URL").doesNotContain("hunter2");
      assertThat(worker.stderr().lines()).hasSize(1);
    }
  }

  @Test
  void sigtermDuringABurstLosesNothingAndSendsEachEmailOnce() throws Exception {
    Topics topics = fixture.freshTopics(10);
    PipelineFixture.Backlog burst = fixture.addUserWithBacklog("Burst", 120);
    String userId = burst.userId();
    String address = burst.address();
    List<String> ids = burst.notificationIds();
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("PUBSUB_MAX_OUTSTANDING_MESSAGES", "10");
    env.put("SES_MAX_SEND_RATE", "40");

    try (WorkerProcess first = WorkerProcess.start(env)) {
      ids.forEach(id -> fixture.publishCreated(topics, id, userId, "email"));
      await().atMost(Duration.ofSeconds(60)).until(() -> fixture.emailsTo(address).size() >= 10);

      first.terminate();

      int exit = first.awaitExit(Duration.ofSeconds(20));
      assertThat(exit).as("clean exit on SIGTERM").isIn(0, 143);
      assertThat(first.stdout()).contains("shutdown requested").contains("worker stopped");
      assertThat(
              first.stdoutLines().stream()
                  .filter(line -> line.contains("above the SES account's max send rate"))
                  .toList())
          .as("SES_MAX_SEND_RATE 40 is above the account's 14/s: warned once")
          .hasSize(1);
      assertThat(fixture.emailsTo(address).size())
          .as("the burst was cut short")
          .isLessThan(ids.size());
      assertLogsAreJsonWithoutSecrets(first.stdoutLines(), env);
    }

    // A second worker takes whatever the first handed back.
    fixture.startWorker(fixture.environment(topics));
    Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, ids);
    assertThat(outcomes.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    Map<String, Long> emailsPerNotification =
        fixture.emailsTo(address).stream()
            .collect(Collectors.groupingBy(SesEmulator.SentEmail::subject, Collectors.counting()));
    assertThat(emailsPerNotification.keySet()).containsExactlyInAnyOrderElementsOf(ids);
    assertThat(emailsPerNotification.values()).allMatch(count -> count == 1);
    assertThat(pubsub.drain(topics.subscription(), Duration.ofSeconds(2))).isEmpty();
  }

  private static void assertLogsAreJsonWithoutSecrets(List<String> lines, Map<String, String> env) {
    assertThat(lines).isNotEmpty();
    for (String line : lines) {
      JsonNode entry = PipelineFixture.parse(line);
      assertThat(
              entry.has("timestamp")
                  && entry.has("level")
                  && entry.has("message")
                  && entry.has("module"))
          .as("structured line: %s", line)
          .isTrue();
      assertThat(entry.get("service").asText()).isEqualTo("notification-worker");
      assertThat(line)
          .doesNotContain(env.get("MYSQL_PASSWORD"), env.get("AWS_SECRET_ACCESS_KEY"), "<p>");
    }
    assertThat(
            lines.stream()
                .map(PipelineFixture::parse)
                .filter(e -> e.has("metadata"))
                .map(e -> e.get("metadata"))
                .filter(m -> m.has("notificationId"))
                .findAny())
        .isPresent();
  }
}
