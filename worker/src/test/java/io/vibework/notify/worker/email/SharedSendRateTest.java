package io.vibework.notify.worker.email;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vibework.notify.worker.Meters;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import io.vibework.notify.worker.delivery.StopSignal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code SES_MAX_SEND_RATE} is one budget for the whole pipeline: three workers with a backlog
 * share it through Redis; with Redis stopped each keeps to its {@code SES_RATE_SHARE}.
 */
class SharedSendRateTest extends WithRealServers {
  private static final double RATE = 20;

  /** What the operator sets for 3 replicas: max(1, floor(20 / 3)). */
  private static final double SHARE = 6;

  /** Shorter than the 30 s to keep the suite fast; 200 sends still bound the rate. */
  private static final Duration SHARED_WINDOW = Duration.ofSeconds(10);

  private static final Duration FALLBACK_WINDOW = Duration.ofSeconds(6);

  @Test
  void threeWorkersShareOneRateAndFallBackToTheirSharesWithoutRedis() {
    Topics topics = fixture.freshTopics(60);
    PipelineFixture.Backlog backlog = fixture.addUserWithBacklog("Rate", 500);
    String userId = backlog.userId();
    List<String> ids = backlog.notificationIds();
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("SES_MAX_SEND_RATE", String.valueOf(RATE));
    env.put("SES_RATE_SHARE", String.valueOf(SHARE));
    env.put("PUBSUB_MAX_OUTSTANDING_MESSAGES", "20");
    List<Worker> workers =
        List.of(fixture.startWorker(env), fixture.startWorker(env), fixture.startWorker(env));
    fixture.publishCreatedEmails(topics, ids, userId);
    await().atMost(Duration.ofSeconds(60)).until(() -> sent(workers) >= 2 * RATE);

    double before = sent(workers);
    long started = System.nanoTime();
    StopSignal.pause(SHARED_WINDOW);
    double shared = sent(workers) - before;
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("shared rate: %.1f/s over %.1f s%n", shared / seconds, seconds);

    assertThat(shared)
        .as("at most the budget plus one second's burst over %.1f s", seconds)
        .isLessThanOrEqualTo(RATE * seconds + RATE);
    assertThat(shared).as("the backlog keeps the budget used").isGreaterThanOrEqualTo(18 * seconds);
    assertThat(workers)
        .as("every worker sent a part")
        .allSatisfy(w -> assertThat(Meters.emails(w.registry(), "sent", "ok")).isPositive());
    assertThat(sent(workers)).as("the backlog outlasts the windows").isLessThan(ids.size() - 100);

    redis.stop();
    StopSignal.pause(Duration.ofSeconds(2));
    double[] each =
        workers.stream().mapToDouble(w -> Meters.emails(w.registry(), "sent", "ok")).toArray();
    started = System.nanoTime();
    StopSignal.pause(FALLBACK_WINDOW);
    seconds = (System.nanoTime() - started) / 1e9;
    double total = 0;
    for (int i = 0; i < workers.size(); i++) {
      double delta = Meters.emails(workers.get(i).registry(), "sent", "ok") - each[i];
      total += delta;
      assertThat(delta)
          .as("worker %d keeps to its share without Redis", i)
          .isLessThanOrEqualTo(SHARE * seconds + SHARE + 1);
    }
    assertThat(total).as("delivery goes on without Redis").isGreaterThan(0);
    System.out.printf("without redis: %.1f/s for 3 workers%n", total / seconds);
  }

  @Test
  void aStoppingWorkerHandsBackTheBacklogWaitingForTheRateInsteadOfSendingIt() {
    Topics topics = fixture.freshTopics(60);
    PipelineFixture.Backlog slow = fixture.addUserWithBacklog("Slow", 20);
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("SES_MAX_SEND_RATE", "2");
    env.put("SHUTDOWN_GRACE_SECONDS", "20");
    Worker worker = fixture.startWorker(env);
    fixture.publishCreatedEmails(topics, slow.notificationIds(), slow.userId());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> fixture.emailsTo(slow.address()).size() >= 2);

    int beforeStop = fixture.emailsTo(slow.address()).size();
    worker.close();

    // At 2/s the 18 waiting would have taken 9 s of the 20 s grace to send during shutdown.
    assertThat(fixture.emailsTo(slow.address()).size() - beforeStop)
        .as("sends that had their slot already, at most")
        .isLessThanOrEqualTo(2);
    assertThat(
            slow.notificationIds().stream().filter(id -> fixture.data.delivery(id) == null).count())
        .as("handed back unclaimed, for another worker")
        .isGreaterThanOrEqualTo(15);
  }

  private static double sent(List<Worker> workers) {
    return workers.stream().mapToDouble(w -> Meters.emails(w.registry(), "sent", "ok")).sum();
  }
}
