package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * With a ten-minute probe interval, a worker pod that comes up is still probed within seconds: the
 * pod's event reconciles the pipeline, which finds pods its last probe did not see. A pod event
 * alone is not enough; the status shows what the new pod's /readyz says.
 */
class PodsComingUpAreProbedAtOnceTest {

  private static final String NS = "podsup";

  @Test
  void aNewWorkerPodShowsInTheStatusWithoutWaitingForTheProbeInterval() throws Exception {
    try (OperatorTestBed bed = new OperatorTestBed(Duration.ofMinutes(10), NS, "cache")) {
      Deployment d = bed.createPipeline(NS, "growing", Fixtures.spec("cache", 2));
      OperatorTestBed.markAvailable(bed.client, d, bed.worker.port());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(probedPods(bed)).isEqualTo(1));

      // The second replica's pod starts (the first probe, at once, saw one).
      OperatorTestBed.markAvailable(bed.client, d, bed.worker.port(), bed.worker.port());

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(probedPods(bed)).isEqualTo(2);
                assertThat(OperatorTestBed.ready(get(bed))).isTrue();
              });
    }
  }

  /** Pods the status says were probed; 0 before the first answer. */
  private static int probedPods(OperatorTestBed bed) {
    NotificationPipeline p = get(bed);
    return p.getStatus() == null || p.getStatus().health() == null
        ? 0
        : p.getStatus().health().pods();
  }

  private static NotificationPipeline get(OperatorTestBed bed) {
    return bed.client
        .resources(NotificationPipeline.class)
        .inNamespace(NS)
        .withName("growing")
        .get();
  }
}
