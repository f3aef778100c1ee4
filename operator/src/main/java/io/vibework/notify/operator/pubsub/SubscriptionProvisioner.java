package io.vibework.notify.operator.pubsub;

import com.google.api.gax.rpc.AlreadyExistsException;
import com.google.api.gax.rpc.ApiException;
import com.google.api.gax.rpc.NotFoundException;
import com.google.protobuf.FieldMask;
import com.google.pubsub.v1.DeadLetterPolicy;
import com.google.pubsub.v1.RetryPolicy;
import com.google.pubsub.v1.Subscription;
import com.google.pubsub.v1.UpdateSubscriptionRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Makes Pub/Sub match a {@link SubscriptionPlan}: creates missing topics and the subscription, and
 * puts back the subscription settings someone changed. Only ever updates the fields the plan owns,
 * so labels or filters set by hand survive.
 */
public final class SubscriptionProvisioner {

  /** What {@link #ensure} changed; empty lists when Pub/Sub already matched. */
  public record Outcome(
      List<String> createdTopics, boolean createdSubscription, List<String> corrected) {
    public boolean drifted() {
      return !corrected.isEmpty();
    }
  }

  private final PubSubAdmin admin;

  public SubscriptionProvisioner(PubSubAdmin admin) {
    this.admin = admin;
  }

  public Outcome ensure(SubscriptionPlan plan) throws ProvisioningException {
    PubSubAdmin.Clients clients = admin.clients(plan.emulatorHost());
    List<String> createdTopics = new ArrayList<>();
    for (String topic : plan.topics()) {
      if (ensureTopic(clients, plan, topic)) {
        createdTopics.add(topic);
      }
    }
    Subscription desired = desired(plan);
    Subscription actual;
    try {
      actual = clients.subscriptions().getSubscription(plan.subscriptionPath());
    } catch (NotFoundException e) {
      try {
        clients.subscriptions().createSubscription(desired);
        return new Outcome(createdTopics, true, List.of());
      } catch (AlreadyExistsException raced) {
        actual = get(clients, plan);
      } catch (ApiException failed) {
        throw ProvisioningException.from(
            failed, "create subscription '" + plan.subscription() + "'", plan);
      }
    } catch (ApiException e) {
      throw ProvisioningException.from(e, "read subscription '" + plan.subscription() + "'", plan);
    }

    if (!actual.getTopic().equals(desired.getTopic())) {
      throw new ProvisioningException(
          "SubscriptionTopicMismatch",
          "subscription '"
              + plan.subscription()
              + "' exists on topic '"
              + actual.getTopic()
              + "', not '"
              + desired.getTopic()
              + "': Pub/Sub cannot move a subscription, so delete it (or name another"
              + " spec.pubsub.subscription) and the operator creates it");
    }
    List<String> drifted = drift(desired, actual);
    if (drifted.isEmpty()) {
      return new Outcome(createdTopics, false, List.of());
    }
    try {
      clients
          .subscriptions()
          .updateSubscription(
              UpdateSubscriptionRequest.newBuilder()
                  .setSubscription(desired)
                  .setUpdateMask(FieldMask.newBuilder().addAllPaths(drifted))
                  .build());
    } catch (ApiException e) {
      throw ProvisioningException.from(
          e, "update subscription '" + plan.subscription() + "'", plan);
    }
    return new Outcome(createdTopics, false, drifted);
  }

  /** Topic and subscription names other pipelines on the same Pub/Sub project still use. */
  public record NamedElsewhere(Set<String> topics, Set<String> subscriptions) {}

  /**
   * Deletes the subscription and every topic of the plan that no other pipeline names. Returns once
   * they are gone (also when they never existed).
   */
  public void delete(SubscriptionPlan plan, NamedElsewhere stillNamed)
      throws ProvisioningException {
    PubSubAdmin.Clients clients = admin.clients(plan.emulatorHost());
    // Another pipeline reading the same subscription would lose its messages with it.
    if (!stillNamed.subscriptions().contains(plan.subscription())) {
      try {
        clients.subscriptions().deleteSubscription(plan.subscriptionPath());
      } catch (NotFoundException gone) {
        // already deleted: nothing to do
      } catch (ApiException e) {
        throw ProvisioningException.from(
            e, "delete subscription '" + plan.subscription() + "'", plan);
      }
    }
    for (String topic : plan.topics()) {
      if (stillNamed.topics().contains(topic)) {
        continue;
      }
      try {
        clients.topics().deleteTopic(plan.topicPath(topic));
      } catch (NotFoundException gone) {
        // already deleted
      } catch (ApiException e) {
        throw ProvisioningException.from(e, "delete topic '" + topic + "'", plan);
      }
    }
  }

  static Subscription desired(SubscriptionPlan plan) {
    Subscription.Builder subscription =
        Subscription.newBuilder()
            .setName(plan.subscriptionPath())
            .setTopic(plan.topicPath(plan.topic()))
            .setAckDeadlineSeconds(plan.ackDeadlineSeconds())
            .setMessageRetentionDuration(proto(plan.messageRetention()))
            .setRetryPolicy(
                RetryPolicy.newBuilder()
                    .setMinimumBackoff(proto(plan.minimumBackoff()))
                    .setMaximumBackoff(proto(plan.maximumBackoff())));
    plan.deadLetterTopic()
        .ifPresent(
            dlt ->
                subscription.setDeadLetterPolicy(
                    DeadLetterPolicy.newBuilder()
                        .setDeadLetterTopic(plan.topicPath(dlt))
                        .setMaxDeliveryAttempts(plan.maxDeliveryAttempts())));
    return subscription.build();
  }

  /** The update-mask paths whose values differ. */
  static List<String> drift(Subscription desired, Subscription actual) {
    List<String> paths = new ArrayList<>();
    if (desired.getAckDeadlineSeconds() != actual.getAckDeadlineSeconds()) {
      paths.add("ack_deadline_seconds");
    }
    if (!desired.getMessageRetentionDuration().equals(actual.getMessageRetentionDuration())) {
      paths.add("message_retention_duration");
    }
    if (!Objects.equals(desired.getRetryPolicy(), actual.getRetryPolicy())) {
      paths.add("retry_policy");
    }
    if (!Objects.equals(desired.getDeadLetterPolicy(), actual.getDeadLetterPolicy())) {
      paths.add("dead_letter_policy");
    }
    return paths;
  }

  private static boolean ensureTopic(
      PubSubAdmin.Clients clients, SubscriptionPlan plan, String topic)
      throws ProvisioningException {
    try {
      clients.topics().getTopic(plan.topicPath(topic));
      return false;
    } catch (NotFoundException e) {
      try {
        clients.topics().createTopic(plan.topicPath(topic));
        return true;
      } catch (AlreadyExistsException raced) {
        return false;
      } catch (ApiException failed) {
        throw ProvisioningException.from(failed, "create topic '" + topic + "'", plan);
      }
    } catch (ApiException e) {
      throw ProvisioningException.from(e, "read topic '" + topic + "'", plan);
    }
  }

  private static Subscription get(PubSubAdmin.Clients clients, SubscriptionPlan plan)
      throws ProvisioningException {
    try {
      return clients.subscriptions().getSubscription(plan.subscriptionPath());
    } catch (ApiException e) {
      throw ProvisioningException.from(e, "read subscription '" + plan.subscription() + "'", plan);
    }
  }

  private static com.google.protobuf.Duration proto(Duration d) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(d.getSeconds())
        .setNanos(d.getNano())
        .build();
  }
}
