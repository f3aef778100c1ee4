package io.vibework.notify.operator.pubsub;

import io.vibework.notify.operator.api.PubSubSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a pipeline needs from Pub/Sub: its topics, and its subscription with the settings the
 * workers rely on (the dead-letter policy must match the attempts the workers count).
 */
public record SubscriptionPlan(
    String projectId,
    Optional<String> emulatorHost,
    String subscription,
    String topic,
    String sentTopic,
    Optional<String> deadLetterTopic,
    int maxDeliveryAttempts,
    Duration minimumBackoff,
    Duration maximumBackoff,
    int ackDeadlineSeconds,
    Duration messageRetention) {

  /** The plan a pipeline's (validated) {@code spec.pubsub} asks for. */
  public static SubscriptionPlan of(PubSubSpec spec) {
    return new SubscriptionPlan(
        spec.projectId(),
        Optional.ofNullable(spec.emulatorHost()),
        spec.subscriptionOrDefault(),
        spec.topicOrDefault(),
        spec.sentTopicOrDefault(),
        Optional.ofNullable(spec.deadLetterTopic()),
        spec.maxDeliveryAttemptsOrDefault(),
        seconds(spec.minimumBackoffOrDefault()),
        seconds(spec.maximumBackoffOrDefault()),
        spec.ackDeadlineSecondsOrDefault(),
        seconds(spec.messageRetentionDurationOrDefault()));
  }

  private static Duration seconds(String value) {
    return Duration.ofSeconds(Long.parseLong(value.substring(0, value.length() - 1)));
  }

  public List<String> topics() {
    List<String> topics = new ArrayList<>(List.of(topic, sentTopic));
    deadLetterTopic.ifPresent(topics::add);
    return topics;
  }

  public String topicPath(String name) {
    return "projects/" + projectId + "/topics/" + name;
  }

  public String subscriptionPath() {
    return "projects/" + projectId + "/subscriptions/" + subscription;
  }
}
