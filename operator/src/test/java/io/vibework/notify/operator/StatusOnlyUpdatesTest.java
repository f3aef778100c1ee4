package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetStatusBuilder;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Status writes by the cluster's controllers that change nothing the operator reads cost no
 * reconcile: the disruption controller's PodDisruptionBudget status, and a Deployment status that
 * only refreshes a condition's timestamps. At 1,000 new pipelines they were three reconciles each.
 * A Deployment status whose counts move still reconciles at once.
 */
class StatusOnlyUpdatesTest {

  private static final String NS = "status-only";

  @Test
  void statusWritesThatChangeNothingTheOperatorReadsCostNoReconcile() throws Exception {
    try (OperatorTestBed bed = new OperatorTestBed(NS, "cache")) {
      bed.readyPipeline(NS, "steady", "cache", 2);
      double settled = OperatorTestBed.settledReconciles(bed);

      // What the disruption controller writes once the pods are healthy.
      PodDisruptionBudget pdb =
          bed.client
              .policy()
              .v1()
              .podDisruptionBudget()
              .inNamespace(NS)
              .withName("steady-worker")
              .get();
      pdb.setStatus(
          new PodDisruptionBudgetStatusBuilder()
              .withObservedGeneration(pdb.getMetadata().getGeneration())
              .withCurrentHealthy(2)
              .withDesiredHealthy(1)
              .withExpectedPods(2)
              .withDisruptionsAllowed(1)
              .build());
      bed.client.resource(pdb).updateStatus();
      // What the Deployment controller writes when only a condition's times move.
      Deployment current = deployment(bed);
      current.getStatus().getConditions().getFirst().setLastUpdateTime("2030-01-01T00:00:00Z");
      current.getStatus().getConditions().getFirst().setMessage("refreshed");
      bed.client.resource(current).updateStatus();

      assertThat(OperatorTestBed.settledReconciles(bed) - settled)
          .as("reconciles after a PDB status and a timestamp-only Deployment status")
          .isZero();

      // A worker that is no longer ready is a count the status shows.
      current = deployment(bed);
      current.getStatus().setReadyReplicas(1);
      current.getStatus().setAvailableReplicas(1);
      bed.client.resource(current).updateStatus();
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(get(bed).getStatus().readyReplicas()).isEqualTo(1));
    }
  }

  private static NotificationPipeline get(OperatorTestBed bed) {
    return bed.pipeline(NS, "steady");
  }

  private static Deployment deployment(OperatorTestBed bed) {
    return bed.client.apps().deployments().inNamespace(NS).withName("steady-worker").get();
  }
}
