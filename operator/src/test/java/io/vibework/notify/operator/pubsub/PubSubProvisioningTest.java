package io.vibework.notify.operator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.FieldMask;
import com.google.pubsub.v1.UpdateSubscriptionRequest;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.MutableClock;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** When the operator talks to Pub/Sub for a pipeline, on Google's emulator. */
class PubSubProvisioningTest {

  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();

  private static final PubSubAdmin admin = new PubSubAdmin();
  private final MutableClock clock = new MutableClock();
  private final PubSubProvisioning provisioning =
      new PubSubProvisioning(new SubscriptionProvisioner(admin), clock);

  @AfterAll
  static void closeClients() {
    admin.close();
  }

  @Test
  void driftIsFoundWithinTheCheckPeriodNotOnEveryReconcile() {
    ResourceID id = new ResourceID("orders", "shop");
    PubSubSpec spec = spec("orders", 60);
    assertThat(provisioning.check(id, spec).changes().orElseThrow().createdSubscription()).isTrue();

    setAckDeadlineByHand(spec, 20);
    // A reconcile soon after (say, a health probe) does not call Pub/Sub again.
    clock.advance(Duration.ofSeconds(30));
    assertThat(provisioning.check(id, spec).changes()).isEmpty();
    assertThat(ackDeadline(spec)).isEqualTo(20);

    clock.advance(PubSubProvisioning.DRIFT_CHECK);
    PubSubProvisioning.Check later = provisioning.check(id, spec);
    assertThat(later.changes().orElseThrow().corrected()).containsExactly("ack_deadline_seconds");
    assertThat(ackDeadline(spec)).isEqualTo(60);
  }

  @Test
  void anEditedSpecIsAppliedAtOnce() {
    ResourceID id = new ResourceID("billing", "shop");
    provisioning.check(id, spec("billing", 60));

    PubSubProvisioning.Check edited = provisioning.check(id, spec("billing", 120));

    assertThat(edited.state().provisioned()).isTrue();
    assertThat(edited.changes().orElseThrow().corrected()).containsExactly("ack_deadline_seconds");
    assertThat(ackDeadline(spec("billing", 120))).isEqualTo(120);
  }

  @Test
  void aFailureIsAReasonAndIsRetriedOnTheNextReconcile() {
    ResourceID id = new ResourceID("refused", "shop");
    PubSubSpec refused = spec("refused", 60);
    refused = SpecBuilders.pubsub(refused).minimumBackoff("700s").maximumBackoff("800s").build();

    PubSubProvisioning.Check first = provisioning.check(id, refused);
    assertThat(first.state().provisioned()).isFalse();
    assertThat(first.state().reason()).isEqualTo("PubSubInvalidSettings");

    PubSubProvisioning.Check fixed = provisioning.check(id, spec("refused", 60));
    assertThat(fixed.state().provisioned()).isTrue();
    assertThat(fixed.state().reason()).isEqualTo(PubSubProvisioning.PROVISIONED);
  }

  private static PubSubSpec spec(String name, int ackDeadline) {
    return Fixtures.provisioned(SpecBuilders.pubsub(), pubsub.projectId(), pubsub.hostPort(), name)
        .ackDeadlineSeconds(ackDeadline)
        .build();
  }

  private static int ackDeadline(PubSubSpec spec) {
    SubscriptionPlan plan = SubscriptionPlan.of(spec);
    return admin
        .clients(Optional.of(pubsub.hostPort()))
        .subscriptions()
        .getSubscription(plan.subscriptionPath())
        .getAckDeadlineSeconds();
  }

  private static void setAckDeadlineByHand(PubSubSpec spec, int seconds) {
    SubscriptionPlan plan = SubscriptionPlan.of(spec);
    var subscriptions = admin.clients(Optional.of(pubsub.hostPort())).subscriptions();
    subscriptions.updateSubscription(
        UpdateSubscriptionRequest.newBuilder()
            .setSubscription(
                subscriptions.getSubscription(plan.subscriptionPath()).toBuilder()
                    .setAckDeadlineSeconds(seconds))
            .setUpdateMask(FieldMask.newBuilder().addPaths("ack_deadline_seconds"))
            .build());
  }
}
