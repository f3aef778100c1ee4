package io.vibework.notify.operator.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.api.gax.rpc.NotFoundException;
import com.google.protobuf.FieldMask;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.UpdateSubscriptionRequest;
import io.vibework.notify.operator.pubsub.SubscriptionProvisioner.NamedElsewhere;
import io.vibework.notify.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Against Google's Pub/Sub emulator: what a user sees in Pub/Sub after the operator ran. */
class SubscriptionProvisionerTest {

  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();

  private static final PubSubAdmin admin = new PubSubAdmin();
  private final SubscriptionProvisioner provisioner = new SubscriptionProvisioner(admin);

  @AfterAll
  static void closeClients() {
    admin.close();
  }

  @Test
  void createsTheTopicsAndASubscriptionWithTheDeadLetterAndRetryPolicies() throws Exception {
    SubscriptionPlan plan = plan("created", Optional.of("dead"));

    SubscriptionProvisioner.Outcome outcome = provisioner.ensure(plan);

    assertThat(outcome.createdSubscription()).isTrue();
    assertThat(outcome.createdTopics())
        .containsExactlyInAnyOrder(plan.topic(), plan.sentTopic(), plan.deadLetterTopic().get());
    Subscription subscription = subscription(plan);
    assertThat(subscription.getTopic()).isEqualTo(pubsub.topicPath(plan.topic()));
    assertThat(subscription.getAckDeadlineSeconds()).isEqualTo(60);
    assertThat(subscription.getDeadLetterPolicy().getDeadLetterTopic())
        .isEqualTo(pubsub.topicPath(plan.deadLetterTopic().get()));
    assertThat(subscription.getDeadLetterPolicy().getMaxDeliveryAttempts()).isEqualTo(7);
    assertThat(subscription.getRetryPolicy().getMinimumBackoff().getSeconds()).isEqualTo(10);
    assertThat(subscription.getRetryPolicy().getMaximumBackoff().getSeconds()).isEqualTo(300);

    // Published messages reach the subscription the operator made.
    pubsub.publish(plan.topic(), "{\"notificationId\":\"n1\"}");
    assertThat(pubsub.awaitMessages(plan.subscription(), 1, Duration.ofSeconds(10)))
        .extracting(PubSubEmulator.ReceivedMessage::data)
        .containsExactly("{\"notificationId\":\"n1\"}");
  }

  @Test
  void aSecondRunOnAMatchingSubscriptionChangesNothing() throws Exception {
    SubscriptionPlan plan = plan("steady", Optional.of("dead"));
    provisioner.ensure(plan);

    SubscriptionProvisioner.Outcome again = provisioner.ensure(plan);

    assertThat(again.createdTopics()).isEmpty();
    assertThat(again.createdSubscription()).isFalse();
    assertThat(again.drifted()).isFalse();
  }

  @Test
  void settingsChangedByHandAreCorrectedAndNamed() throws Exception {
    SubscriptionPlan plan = plan("drift", Optional.of("dead"));
    provisioner.ensure(plan);
    // Someone lowers the attempts and the ack deadline with gcloud.
    admin
        .clients(plan.emulatorHost())
        .subscriptions()
        .updateSubscription(
            UpdateSubscriptionRequest.newBuilder()
                .setSubscription(
                    subscription(plan).toBuilder()
                        .setAckDeadlineSeconds(15)
                        .setDeadLetterPolicy(
                            DeadLetterPolicy.newBuilder()
                                .setDeadLetterTopic(pubsub.topicPath(plan.deadLetterTopic().get()))
                                .setMaxDeliveryAttempts(100)))
                .setUpdateMask(
                    FieldMask.newBuilder()
                        .addPaths("ack_deadline_seconds")
                        .addPaths("dead_letter_policy"))
                .build());

    SubscriptionProvisioner.Outcome outcome = provisioner.ensure(plan);

    assertThat(outcome.corrected())
        .containsExactlyInAnyOrder("ack_deadline_seconds", "dead_letter_policy");
    Subscription subscription = subscription(plan);
    assertThat(subscription.getAckDeadlineSeconds()).isEqualTo(60);
    assertThat(subscription.getDeadLetterPolicy().getMaxDeliveryAttempts()).isEqualTo(7);
    assertThat(provisioner.ensure(plan).drifted()).isFalse();
  }

  @Test
  void aSubscriptionOnAnotherTopicIsReportedNotMoved() throws Exception {
    SubscriptionPlan plan = plan("moved", Optional.empty());
    pubsub.createTopic("elsewhere-" + plan.subscription());
    pubsub.createSubscription(plan.subscription(), "elsewhere-" + plan.subscription(), 10);

    assertThatThrownBy(() -> provisioner.ensure(plan))
        .isInstanceOfSatisfying(
            ProvisioningException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("SubscriptionTopicMismatch");
              assertThat(e.getMessage()).contains("delete it");
            });
  }

  @Test
  void settingsPubSubRefusesBecomeAnInvalidSettingsReason() {
    // Pub/Sub allows ack deadlines of 10-600 s.
    SubscriptionPlan plan = withAckDeadline(plan("refused", Optional.empty()), 9999);

    assertThatThrownBy(() -> provisioner.ensure(plan))
        .isInstanceOfSatisfying(
            ProvisioningException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("PubSubInvalidSettings");
              assertThat(e.getMessage()).contains("fix spec.pubsub").doesNotContain("\tat ");
            });
  }

  @Test
  void anUnreachablePubSubIsReportedAsUnavailableWithTheEndpoint() {
    SubscriptionPlan plan =
        new SubscriptionPlan(
            pubsub.projectId(),
            Optional.of("127.0.0.1:1"),
            "s-x",
            "t-x",
            "sent-x",
            Optional.empty(),
            5,
            Duration.ofSeconds(10),
            Duration.ofSeconds(300),
            60,
            Duration.ofDays(7));

    assertThatThrownBy(() -> provisioner.ensure(plan))
        .isInstanceOfSatisfying(
            ProvisioningException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("PubSubUnavailable");
              assertThat(e.getMessage()).contains("127.0.0.1:1");
            });
  }

  @Test
  void deletingRemovesTheSubscriptionAndOnlyTopicsNoOtherPipelineNames() throws Exception {
    SubscriptionPlan plan = plan("deleted", Optional.of("dead"));
    provisioner.ensure(plan);

    provisioner.delete(plan, new NamedElsewhere(Set.of(plan.topic()), Set.of()));

    assertThatThrownBy(() -> subscription(plan)).isInstanceOf(NotFoundException.class);
    var topics = admin.clients(plan.emulatorHost()).topics();
    assertThat(topics.getTopic(plan.topicPath(plan.topic())).getName()).isNotEmpty();
    assertThatThrownBy(() -> topics.getTopic(plan.topicPath(plan.sentTopic())))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> topics.getTopic(plan.topicPath(plan.deadLetterTopic().get())))
        .isInstanceOf(NotFoundException.class);
    // Deleting again (the finalizer retried) is not an error.
    provisioner.delete(plan, new NamedElsewhere(Set.of(plan.topic()), Set.of()));
  }

  @Test
  void aSubscriptionAnotherPipelineReadsIsKeptWhenItsTopicsGo() throws Exception {
    SubscriptionPlan plan = plan("shared", Optional.empty());
    provisioner.ensure(plan);

    provisioner.delete(plan, new NamedElsewhere(Set.of(), Set.of(plan.subscription())));

    assertThat(subscription(plan).getName()).isEqualTo(plan.subscriptionPath());
    assertThatThrownBy(
            () ->
                admin
                    .clients(plan.emulatorHost())
                    .topics()
                    .getTopic(plan.topicPath(plan.sentTopic())))
        .isInstanceOf(NotFoundException.class);
  }

  private static SubscriptionPlan plan(String name, Optional<String> deadLetter) {
    String suffix = name + "-" + UUID.randomUUID().toString().substring(0, 8);
    return new SubscriptionPlan(
        pubsub.projectId(),
        Optional.of(pubsub.hostPort()),
        "sub-" + suffix,
        "created-" + suffix,
        "sent-" + suffix,
        deadLetter.map(d -> d + "-" + suffix),
        7,
        Duration.ofSeconds(10),
        Duration.ofSeconds(300),
        60,
        Duration.ofDays(7));
  }

  private static SubscriptionPlan withAckDeadline(SubscriptionPlan p, int seconds) {
    return new SubscriptionPlan(
        p.projectId(),
        p.emulatorHost(),
        p.subscription(),
        p.topic(),
        p.sentTopic(),
        p.deadLetterTopic(),
        p.maxDeliveryAttempts(),
        p.minimumBackoff(),
        p.maximumBackoff(),
        seconds,
        p.messageRetention());
  }

  private static Subscription subscription(SubscriptionPlan plan) {
    return admin
        .clients(plan.emulatorHost())
        .subscriptions()
        .getSubscription(plan.subscriptionPath());
  }
}
