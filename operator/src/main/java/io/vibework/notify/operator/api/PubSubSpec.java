package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "self.topic != self.sentTopic",
    message = "topic and sentTopic must be different topics")
@ValidationRule(
    value =
        "!has(self.deadLetterTopic) || (self.deadLetterTopic != self.topic && self.deadLetterTopic != self.sentTopic)",
    message = "deadLetterTopic must differ from topic and sentTopic")
@ValidationRule(
    value =
        "!has(self.minimumBackoff) || !has(self.maximumBackoff) || duration(self.minimumBackoff) <= duration(self.maximumBackoff)",
    message = "minimumBackoff must not be longer than maximumBackoff")
public record PubSubSpec(
    @Required
        @Pattern(Patterns.GCP_PROJECT)
        @JsonPropertyDescription("Google Cloud project id (GOOGLE_CLOUD_PROJECT).")
        String projectId,
    @Pattern(Patterns.HOST_PORT)
        @JsonPropertyDescription(
            "host:port of a Pub/Sub emulator; when set, the workers talk plaintext to it.")
        String emulatorHost,
    @Default(DEFAULT_SUBSCRIPTION)
        @Pattern(Patterns.PUBSUB_NAME)
        @JsonPropertyDescription("Subscription the workers pull from.")
        String subscription,
    @Default(DEFAULT_TOPIC)
        @Pattern(Patterns.PUBSUB_NAME)
        @JsonPropertyDescription("Topic of notification-created events.")
        String topic,
    @Default(DEFAULT_SENT_TOPIC)
        @Pattern(Patterns.PUBSUB_NAME)
        @JsonPropertyDescription("Topic the workers publish notification-sent to.")
        String sentTopic,
    @Pattern(Patterns.PUBSUB_NAME)
        @JsonPropertyDescription("Topic for messages that can never succeed.")
        String deadLetterTopic,
    @Default("" + DEFAULT_MAX_DELIVERY_ATTEMPTS)
        @Min(5)
        @Max(100)
        @JsonPropertyDescription(
            "Deliveries before a message is dead-lettered (Pub/Sub allows 5-100).")
        Integer maxDeliveryAttempts,
    @Default("" + DEFAULT_MAX_OUTSTANDING_MESSAGES)
        @Min(1)
        @Max(10000)
        @JsonPropertyDescription("Messages a worker holds at once.")
        Integer maxOutstandingMessages,
    @JsonPropertyDescription(
            "Secret with a service-account key under 'key.json'; mounted read-only at /var/run/secrets/pubsub.")
        SecretRef credentialsSecretRef,
    @Default("false")
        @JsonPropertyDescription(
            "When true, the operator creates the topics and the subscription and keeps the"
                + " subscription's dead-letter policy, retry policy, ack deadline and retention as"
                + " written here (changes made by hand are put back). Off: create them yourself.")
        Boolean provision,
    @Default(DEFAULT_MINIMUM_BACKOFF)
        @Pattern(Patterns.SECONDS)
        @JsonPropertyDescription(
            "With provision: the shortest wait before Pub/Sub redelivers a nacked message"
                + " (seconds, e.g. 10s; 0s-600s).")
        String minimumBackoff,
    @Default(DEFAULT_MAXIMUM_BACKOFF)
        @Pattern(Patterns.SECONDS)
        @JsonPropertyDescription(
            "With provision: the longest wait before Pub/Sub redelivers a nacked message"
                + " (seconds, e.g. 600s; 0s-600s).")
        String maximumBackoff,
    @Default("" + DEFAULT_ACK_DEADLINE_SECONDS)
        @Min(10)
        @Max(600)
        @JsonPropertyDescription(
            "With provision: the subscription's ack deadline in seconds (the workers extend it"
                + " while they work).")
        Integer ackDeadlineSeconds,
    @Default(DEFAULT_MESSAGE_RETENTION)
        @Pattern(Patterns.SECONDS)
        @JsonPropertyDescription(
            "With provision: how long unacknowledged messages are kept (seconds, 600s-604800s).")
        String messageRetentionDuration,
    @Default("Retain")
        @JsonPropertyDescription(
            "With provision: Retain leaves the topics and subscription in Pub/Sub when the"
                + " pipeline is deleted; Delete removes the subscription, and the topics no other"
                + " pipeline names, through a finalizer on the pipeline.")
        DeletionPolicy deletionPolicy) {

  /** What happens in Pub/Sub when a provisioning pipeline is deleted. */
  public enum DeletionPolicy {
    Retain,
    Delete
  }

  public static final String DEFAULT_MINIMUM_BACKOFF = "10s";
  public static final String DEFAULT_MAXIMUM_BACKOFF = "600s";
  public static final int DEFAULT_ACK_DEADLINE_SECONDS = 60;
  public static final String DEFAULT_MESSAGE_RETENTION = "604800s";

  public boolean provisions() {
    return Boolean.TRUE.equals(provision);
  }

  public boolean deletesOnDelete() {
    return provisions() && deletionPolicy == DeletionPolicy.Delete;
  }

  public String minimumBackoffOrDefault() {
    return minimumBackoff == null ? DEFAULT_MINIMUM_BACKOFF : minimumBackoff;
  }

  public String maximumBackoffOrDefault() {
    return maximumBackoff == null ? DEFAULT_MAXIMUM_BACKOFF : maximumBackoff;
  }

  public int ackDeadlineSecondsOrDefault() {
    return ackDeadlineSeconds == null ? DEFAULT_ACK_DEADLINE_SECONDS : ackDeadlineSeconds;
  }

  public String messageRetentionDurationOrDefault() {
    return messageRetentionDuration == null ? DEFAULT_MESSAGE_RETENTION : messageRetentionDuration;
  }

  public static final String DEFAULT_SUBSCRIPTION = "notification-created-email";
  public static final String DEFAULT_TOPIC = "notification-created";
  public static final String DEFAULT_SENT_TOPIC = "notification-sent";
  public static final String CREDENTIALS_KEY = "key.json";
  public static final int DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;
  public static final int DEFAULT_MAX_OUTSTANDING_MESSAGES = 100;

  public String subscriptionOrDefault() {
    return subscription == null ? DEFAULT_SUBSCRIPTION : subscription;
  }

  public String topicOrDefault() {
    return topic == null ? DEFAULT_TOPIC : topic;
  }

  public String sentTopicOrDefault() {
    return sentTopic == null ? DEFAULT_SENT_TOPIC : sentTopic;
  }

  public int maxDeliveryAttemptsOrDefault() {
    return maxDeliveryAttempts == null ? DEFAULT_MAX_DELIVERY_ATTEMPTS : maxDeliveryAttempts;
  }

  public int maxOutstandingMessagesOrDefault() {
    return maxOutstandingMessages == null
        ? DEFAULT_MAX_OUTSTANDING_MESSAGES
        : maxOutstandingMessages;
  }
}
