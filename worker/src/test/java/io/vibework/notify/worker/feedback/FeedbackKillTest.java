package io.vibework.notify.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.SqsServer;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import io.vibework.notify.worker.WorkerProcess;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A worker SIGKILLed after it read a feedback event and wrote its effects, but before SQS heard the
 * delete: the event comes back after its visibility timeout, the next worker finds the effects
 * already there, counts nothing twice, and deletes it.
 */
class FeedbackKillTest extends WithRealServers {
  @RegisterExtension static final SqsServer sqs = new SqsServer();

  @Test
  void aWorkerKilledBetweenReadingAnEventAndDeletingItLosesNothingAndCountsItOnce()
      throws Exception {
    Topics topics = fixture.freshTopics(10);
    // Receives allowed before the dead letter: more than this test makes.
    SqsServer.Queues queues =
        sqs.createQueues(PipelineFixture.unique("kill-feedback"), 10, Duration.ofSeconds(3));
    String address = PipelineFixture.unique("bounced") + "@example.com";
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    env.put("AWS_SES_CONFIGURATION_SET", "notify-feedback");
    env.put("AWS_SES_FEEDBACK_QUEUE_URL", queues.url());

    try (FaultProxy sqsProxy =
        new FaultProxy(sqs.endpoint())
            .faultsOnlyWithHeader("X-Amz-Target", "AmazonSQS.DeleteMessageBatch")
            .start()) {
      // The victim's deletes never reach SQS; everything else it asks does.
      sqsProxy.failNext(10_000, 500);
      Map<String, String> victimEnv = new HashMap<>(env);
      victimEnv.put("AWS_ENDPOINT_URL_SQS", sqsProxy.uri().toString());
      victimEnv.put("HTTP_PORT", String.valueOf(Ports.free()));
      try (WorkerProcess victim = WorkerProcess.start(victimEnv)) {
        sqs.send(
            queues.url(),
            SesEvents.wrap(
                SesEvents.event(
                    "bounce-permanent", address, "ses-kill-1", "n-unknown", "fb-kill-1"),
                SesEvents.Envelope.SNS));
        await().atMost(Duration.ofSeconds(60)).until(() -> suppression(address) != null);
        await().atMost(Duration.ofSeconds(10)).until(() -> sqsProxy.faultsServed() > 0);
        victim.kill();
        assertThat(victim.awaitExit(Duration.ofSeconds(10))).isEqualTo(137);
      }
    }
    assertThat(sqs.depth(queues.url())).as("the event is still on the queue").isEqualTo(1);

    env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint().toString());
    Worker next = fixture.startWorker(env);
    await().atMost(Duration.ofSeconds(30)).until(() -> sqs.depth(queues.url()) == 0);

    Document suppressed = suppression(address);
    assertThat(suppressed.getBoolean("suppressed")).isTrue();
    assertThat(suppressed.getInteger("count")).isEqualTo(1);
    assertThat(suppressed.getList("events", Object.class)).hasSize(1);
    assertThat(sqs.drain(queues.deadLetterUrl(), Duration.ofSeconds(1))).isEmpty();
    // Written before the kill: the redelivery is not counted again.
    var counter = next.registry().find("notify.worker.ses.feedback").counter();
    assertThat(counter == null ? 0 : counter.count()).isZero();
  }

  private static Document suppression(String address) {
    return fixture.data.suppressions().find(new Document("_id", address.toLowerCase())).first();
  }
}
