package io.vibework.notify.operator.autoscaling;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.KedaCrds;
import io.vibework.notify.operator.MutableClock;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.testkit.kube.AuditEvent;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the autoscaler asks of a real API server, read from its audit log: a pipeline reconciled
 * again and again with the same autoscaling costs no request after the first, until the memo's
 * recheck; and turning autoscaling off removes every KEDA object the pipeline owns, also a
 * TriggerAuthentication without its ScaledObject.
 */
class KedaAutoscalerTest {

  @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();

  private static KubernetesClient client;

  @BeforeAll
  static void installKeda() {
    client = kube.adminClient();
    KedaCrds.apply(client);
    for (String ns : List.of("memo", "orphan", "scaled", "sweep")) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
    }
  }

  @Test
  void aPipelineWithoutAutoscalingIsLookedAtOncePerRecheckNotPerReconcile() {
    MutableClock clock = new MutableClock();
    KedaAutoscaler autoscaler = new KedaAutoscaler(clock);
    NotificationPipeline p = pipeline("memo", "plain", false);

    for (int i = 0; i < 5; i++) {
      autoscaler.reconcile(client, p);
    }
    assertThat(kedaRequests("memo"))
        .as("five reconciles: one GET of each KEDA object, then nothing")
        .extracting(AuditEvent::verb)
        .containsExactly("get", "get");

    clock.advance(KedaAutoscaler.RECHECK.plusSeconds(1));
    autoscaler.reconcile(client, p);
    autoscaler.reconcile(client, p);
    assertThat(kedaRequests("memo")).extracting(AuditEvent::verb).hasSize(4);
  }

  @Test
  void whatIsRememberedOfDeletedPipelinesIsDroppedAtTheNextSweep() {
    MutableClock clock = new MutableClock();
    KedaAutoscaler autoscaler = new KedaAutoscaler(clock);
    NotificationPipeline kept = pipeline("sweep", "kept", false);
    NotificationPipeline gone = pipeline("sweep", "gone", false);
    autoscaler.reconcile(client, kept);
    autoscaler.reconcile(client, gone);
    assertThat(autoscaler.remembered()).isEqualTo(2);
    var keptId = io.javaoperatorsdk.operator.processing.event.ResourceID.fromResource(kept);

    clock.advance(KedaAutoscaler.RECHECK.plusSeconds(1));
    autoscaler.forgetDeleted(keptId::equals);
    assertThat(autoscaler.remembered()).as("only the pipeline that still exists").isEqualTo(1);

    // Sweeps are at most one per recheck: nothing is dropped again at once.
    autoscaler.reconcile(client, gone);
    autoscaler.forgetDeleted(keptId::equals);
    assertThat(autoscaler.remembered()).isEqualTo(2);
  }

  @Test
  void anAutoscaledPipelineIsWrittenOnceAndAHandDeletedObjectComesBackAtTheRecheck() {
    MutableClock clock = new MutableClock();
    KedaAutoscaler autoscaler = new KedaAutoscaler(clock);
    NotificationPipeline p = pipeline("scaled", "auto", true);
    for (int i = 0; i < 3; i++) {
      autoscaler.reconcile(client, p);
    }
    assertThat(kedaRequests("scaled").stream().filter(AuditEvent::isWrite))
        .extracting(e -> e.verb() + " " + e.resource())
        .containsExactly("create triggerauthentications", "create scaledobjects");

    scaledObjects("scaled").withName(KedaObjects.name(p)).delete();
    autoscaler.reconcile(client, p);
    assertThat(scaledObjects("scaled").withName(KedaObjects.name(p)).get())
        .as("within the recheck the memo is trusted")
        .isNull();
    clock.advance(KedaAutoscaler.RECHECK.plusSeconds(1));
    autoscaler.reconcile(client, p);
    assertThat(scaledObjects("scaled").withName(KedaObjects.name(p)).get()).isNotNull();
  }

  @Test
  void turningAutoscalingOffRemovesATriggerAuthenticationLeftWithoutItsScaledObject() {
    KedaAutoscaler autoscaler = new KedaAutoscaler(new MutableClock());
    NotificationPipeline autoscaled = pipeline("orphan", "half", true);
    // What a ScaledObject create refused after its TriggerAuthentication was made leaves behind.
    client
        .genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS)
        .inNamespace("orphan")
        .resource(KedaObjects.triggerAuthentication(autoscaled))
        .create();

    NotificationPipeline off =
        new NotificationPipeline(
            "orphan",
            "half",
            SpecBuilders.pipeline(autoscaled.getSpec()).autoscaling(null).build());
    off.getMetadata().setUid(autoscaled.getMetadata().getUid());
    autoscaler.reconcile(client, off);

    GenericKubernetesResource left =
        client
            .genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS)
            .inNamespace("orphan")
            .withName(KedaObjects.name(off))
            .get();
    assertThat(left).isNull();
  }

  private static NotificationPipeline pipeline(String ns, String name, boolean autoscaled) {
    var spec = SpecBuilders.pipeline(Fixtures.spec("cache", 1));
    if (autoscaled) {
      spec.autoscaling(SpecBuilders.autoscaling().maxReplicas(4).build());
    }
    NotificationPipeline p = new NotificationPipeline(ns, name, spec.build());
    p.getMetadata().setUid(UUID.randomUUID().toString());
    p.getMetadata().setGeneration(1L);
    return p;
  }

  private static io.fabric8.kubernetes.client.dsl.NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
      scaledObjects(String ns) {
    return client.genericKubernetesResources(KedaObjects.SCALED_OBJECTS).inNamespace(ns);
  }

  /** Requests for KEDA objects in the namespace, oldest first. */
  private static List<AuditEvent> kedaRequests(String ns) {
    return kube.auditEvents(
        e ->
            ns.equals(e.namespace())
                && (e.resource().equals("scaledobjects")
                    || e.resource().equals("triggerauthentications")));
  }
}
