package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A new pipeline whose workers come up one by one within seconds gets one status write, the one
 * that says Ready: the steps on the way ("0 of 2", "1 of 2 workers available") are progress, paced
 * to one write per ten seconds. With thousands of pipelines created at once each step was a write.
 */
class ProgressWritesTest {

  private static final String NS = "progress";

  @Test
  void workersComingUpQuicklyCostOneStatusWrite() throws Exception {
    try (OperatorTestBed bed = new OperatorTestBed(NS, "cache")) {
      List<NotificationPipelineStatus> written = new CopyOnWriteArrayList<>();
      try (var watch =
          bed.client
              .resources(NotificationPipeline.class)
              .inNamespace(NS)
              .watch(
                  new Watcher<>() {
                    @Override
                    public void eventReceived(Action action, NotificationPipeline p) {
                      if (p.getStatus() != null
                          && (written.isEmpty() || !written.getLast().equals(p.getStatus()))) {
                        written.add(p.getStatus());
                      }
                    }

                    @Override
                    public void onClose(WatcherException cause) {}
                  })) {
        Deployment d = bed.createPipeline(NS, "fresh", Fixtures.spec("cache", 2));
        // What the Deployment controller reports as the pods come up, a step at a time.
        for (int ready = 0; ready < 2; ready++) {
          d = progress(bed, d, ready);
          Thread.sleep(700);
        }
        OperatorTestBed.markAvailable(bed.client, d, bed.worker.port(), bed.worker.port());

        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    !written.isEmpty()
                        && Conditions.isTrue(written.getLast().conditions(), Conditions.READY));
        Thread.sleep(2000);
        assertThat(written)
            .as("status versions a watcher saw")
            .hasSize(1)
            .allSatisfy(
                s -> assertThat(Conditions.isTrue(s.conditions(), Conditions.READY)).isTrue());
      }
    }
  }

  private static Deployment progress(OperatorTestBed bed, Deployment d, int ready) {
    Deployment current =
        bed.client.apps().deployments().inNamespace(NS).withName(d.getMetadata().getName()).get();
    current.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(current.getMetadata().getGeneration())
            .withReplicas(2)
            .withUpdatedReplicas(2)
            .withReadyReplicas(ready)
            .withAvailableReplicas(ready)
            .build());
    return bed.client.resource(current).updateStatus();
  }
}
