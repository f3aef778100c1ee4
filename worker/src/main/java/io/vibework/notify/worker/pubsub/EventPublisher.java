package io.vibework.notify.worker.pubsub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.api.core.ApiFuture;
import com.google.api.gax.batching.BatchingSettings;
import com.google.cloud.pubsub.v1.Publisher;
import com.google.protobuf.ByteString;
import com.google.pubsub.v1.PubsubMessage;
import com.google.pubsub.v1.TopicName;
import io.vibework.notify.worker.config.PubSubSettings;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Publishes {@code notification-sent} events and dead-letters messages that can never succeed. */
public final class EventPublisher implements AutoCloseable {
  private static final Duration PUBLISH_TIMEOUT = Duration.ofSeconds(30);
  private static final long BATCH_MESSAGES = 100;
  private static final long BATCH_BYTES = 256 * 1024;
  private static final Duration BATCH_DELAY = Duration.ofMillis(10);

  private final Publisher sent;
  private final Optional<Publisher> deadLetter;
  private final Optional<Publisher> feedback;
  private final ObjectMapper json;
  private final Clock clock;

  public EventPublisher(
      PubSubSettings settings, PubSubTransport transport, ObjectMapper json, Clock clock)
      throws IOException {
    this(settings, Optional.empty(), transport, json, clock);
  }

  /**
   * @param feedbackTopic {@code PUBSUB_TOPIC_FEEDBACK}, when set
   */
  public EventPublisher(
      PubSubSettings settings,
      Optional<String> feedbackTopic,
      PubSubTransport transport,
      ObjectMapper json,
      Clock clock)
      throws IOException {
    this.feedback =
        feedbackTopic.isPresent()
            ? Optional.of(publisher(settings.projectId(), feedbackTopic.get(), transport))
            : Optional.empty();
    this.sent = publisher(settings.projectId(), settings.topicSent(), transport);
    this.deadLetter =
        settings.deadLetterTopic().isPresent()
            ? Optional.of(
                publisher(settings.projectId(), settings.deadLetterTopic().get(), transport))
            : Optional.empty();
    this.json = json;
    this.clock = clock;
  }

  /** Publishes {@code {"notificationId","status","timestamp"}} and waits until Pub/Sub has it. */
  public void publishOutcome(String notificationId, String status) {
    publishOutcome(notificationId, status, null);
  }

  /** As {@link #publishOutcome(String, String)}, with the optional {@code reason} when not null. */
  public void publishOutcome(String notificationId, String status, String reason) {
    ObjectNode event =
        json.createObjectNode()
            .put("notificationId", notificationId)
            .put("status", status)
            .put("timestamp", clock.instant().toString());
    if (reason != null) {
      event.put("reason", reason);
    }
    await(
        sent.publish(
            PubsubMessage.newBuilder().setData(ByteString.copyFromUtf8(event.toString())).build()));
  }

  /**
   * Publishes {@code {notificationId, userId, type, subtype, timestamp}} to the feedback topic; no
   * address ever goes into it. False when no topic is set.
   */
  public boolean publishFeedback(
      String notificationId, String userId, String type, String subtype, String timestamp) {
    if (feedback.isEmpty()) {
      return false;
    }
    ObjectNode event =
        json.createObjectNode()
            .put("notificationId", notificationId)
            .put("userId", userId)
            .put("type", type)
            .put("subtype", subtype)
            .put("timestamp", timestamp);
    await(
        feedback
            .get()
            .publish(
                PubsubMessage.newBuilder()
                    .setData(ByteString.copyFromUtf8(event.toString()))
                    .build()));
    return true;
  }

  /** Copies the original message to the dead-letter topic with the reason in its attributes. */
  public boolean deadLetter(PubsubMessage original, String reason, String detail) {
    if (deadLetter.isEmpty()) {
      return false;
    }
    PubsubMessage copy =
        PubsubMessage.newBuilder()
            .setData(original.getData())
            .putAllAttributes(original.getAttributesMap())
            .putAllAttributes(
                Map.of(
                    "deadLetterReason", reason,
                    "deadLetterDetail", detail,
                    "originalMessageId", original.getMessageId()))
            .build();
    await(deadLetter.get().publish(copy));
    return true;
  }

  private static void await(ApiFuture<String> publish) {
    try {
      publish.get(PUBLISH_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientFailure("interrupted while publishing", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new TransientFailure("publish failed: " + e.getClass().getSimpleName(), e);
    }
  }

  private static Publisher publisher(String project, String topic, PubSubTransport transport)
      throws IOException {
    return Publisher.newBuilder(TopicName.of(project, topic))
        .setChannelProvider(transport.channels())
        .setCredentialsProvider(transport.credentials())
        // The client's defaults (1 ms, 1 kB) sent a request per few ~100-byte events; one request
        // per 10 ms or 100 events costs both this worker and the Pub/Sub server far less CPU.
        // shutdown() in close() still flushes what is batched.
        .setBatchingSettings(
            BatchingSettings.newBuilder()
                .setElementCountThreshold(BATCH_MESSAGES)
                .setRequestByteThreshold(BATCH_BYTES)
                .setDelayThresholdDuration(BATCH_DELAY)
                .build())
        .build();
  }

  @Override
  public void close() throws InterruptedException {
    sent.shutdown();
    deadLetter.ifPresent(Publisher::shutdown);
    feedback.ifPresent(Publisher::shutdown);
    sent.awaitTermination(10, TimeUnit.SECONDS);
    if (deadLetter.isPresent()) {
      deadLetter.get().awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
