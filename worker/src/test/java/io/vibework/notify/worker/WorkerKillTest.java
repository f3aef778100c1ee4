package io.vibework.notify.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.PipelineFixture.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * A worker killed with SIGKILL mid-burst, on a subscription with a dead-letter policy: its claims
 * come back within a lease and its messages spend no extra delivery attempts, so nothing is lost or
 * dead-lettered.
 */
class WorkerKillTest extends WithRealServers {
  private static final int NOTIFICATIONS = 300;
  private static final int MAX_OUTSTANDING = 20;

  @Test
  void sigkillOfOneOfTwoWorkersLosesNothingAndDeadLettersNothing() throws Exception {
    Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
    String userId = PipelineFixture.unique("kill");
    String address = userId + "@example.com";
    fixture.data.addUser(userId, address, "Kill");
    List<String> ids =
        IntStream.range(0, NOTIFICATIONS).mapToObj(i -> PipelineFixture.unique("n-kill")).toList();
    ids.forEach(
        id ->
            fixture.data.addNotification(
                id, userId, "notification", Map.of("title", id, "message", "m")));
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("PUBSUB_MAX_OUTSTANDING_MESSAGES", String.valueOf(MAX_OUTSTANDING));
    env.put("SES_MAX_SEND_RATE", "60");

    try (WorkerProcess victim = WorkerProcess.start(env);
        WorkerProcess survivor = WorkerProcess.start(env)) {
      ids.forEach(id -> fixture.publishCreated(topics, id, userId, "email"));
      await().atMost(Duration.ofSeconds(90)).until(() -> fixture.emailsTo(address).size() >= 60);

      victim.kill();
      long killedAt = System.nanoTime();
      assertThat(victim.awaitExit(Duration.ofSeconds(10))).isEqualTo(137);
      assertThat(fixture.emailsTo(address).size()).as("killed mid-burst").isLessThan(NOTIFICATIONS);

      Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, ids);
      long secondsAfterKill = Duration.ofNanos(System.nanoTime() - killedAt).toSeconds();

      assertThat(secondsAfterKill).as("all announced within a minute of the kill").isLessThan(60);
      assertThat(outcomes.values())
          .allSatisfy(event -> assertThat(event.get("status").asText()).isEqualTo("sent"));
      assertThat(pubsub.drain(topics.deadLetterCheck(), Duration.ofSeconds(2)))
          .as("nothing dead-lettered")
          .isEmpty();
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
                      .isEqualTo("sent"));
      Map<String, Long> emailsPerNotification =
          fixture.emailsTo(address).stream()
              .collect(
                  Collectors.groupingBy(SesEmulator.SentEmail::subject, Collectors.counting()));
      assertThat(emailsPerNotification.keySet()).containsExactlyInAnyOrderElementsOf(ids);
      // The documented window: an email SES accepted from the victim just before SIGKILL, whose
      // record it never wrote, goes out again when its claim is taken over. Only sends in flight
      // at the kill can be in it.
      List<String> twice =
          emailsPerNotification.entrySet().stream()
              .filter(e -> e.getValue() > 1)
              .map(Map.Entry::getKey)
              .toList();
      assertThat(emailsPerNotification.values()).allMatch(count -> count <= 2);
      assertThat(twice.size()).as("duplicates only from sends in flight at the kill").isLessThan(3);
      String takeovers =
          survivor.stdoutLines().stream()
              .filter(line -> line.contains("took over a claim"))
              .collect(Collectors.joining("\n"));
      assertThat(twice).allSatisfy(id -> assertThat(takeovers).contains(id));
      System.out.printf(
          "kill test: all %d sent %d s after the kill; %d taken over; %d sent twice%n",
          NOTIFICATIONS, secondsAfterKill, takeovers.lines().count(), twice.size());
    }
  }
}
