package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.reconciler.Pause;
import java.time.Duration;
import java.util.HashMap;
import org.junit.jupiter.api.Test;

/**
 * The operator's own status write does not come back as one more reconcile: pausing a settled
 * pipeline costs exactly the one reconcile the annotation asked for, although that reconcile writes
 * the status (the ReconciliationPaused condition).
 */
class SelfTriggeredReconcileTest {

  private static final String NS = "self";

  @Test
  void pausingASettledPipelineCostsOneReconcile() throws Exception {
    try (OperatorTestBed bed = new OperatorTestBed(NS, "cache")) {
      bed.readyPipeline(NS, "quiet", "cache", 1);
      double settled = OperatorTestBed.settledReconciles(bed);

      bed.client
          .resource(get(bed))
          .edit(
              p -> {
                var annotations = new HashMap<String, String>();
                annotations.put(Pause.ANNOTATION, "true");
                p.getMetadata().setAnnotations(annotations);
                return p;
              });
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  Conditions.find(get(bed).getStatus().conditions(), Pause.CONDITION).isPresent());

      assertThat(OperatorTestBed.settledReconciles(bed) - settled)
          .as("reconciles after the pause annotation, whose reconcile wrote the status")
          .isEqualTo(1.0);
    }
  }

  private static NotificationPipeline get(OperatorTestBed bed) {
    return bed.client.resources(NotificationPipeline.class).inNamespace(NS).withName("quiet").get();
  }
}
