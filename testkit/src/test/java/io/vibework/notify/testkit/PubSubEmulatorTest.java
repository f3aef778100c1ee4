package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PubSubEmulatorTest {

  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();

  @Test
  void createPublishPullAck() {
    assertThat(pubsub.hostPort()).isEqualTo("127.0.0.1:" + pubsub.port());
    assertThat(pubsub.projectId()).isEqualTo("test-project");

    pubsub.createTopic("notification-created");
    pubsub.createTopic("notification-created"); // idempotent
    pubsub.createSubscription("notification-created-email", "notification-created", 10);

    String id =
        pubsub.publish(
            "notification-created",
            "{\"notificationId\":\"n1\",\"type\":\"émail\"}",
            Map.of("origin", "test"));
    assertThat(id).isNotBlank();

    List<PubSubEmulator.ReceivedMessage> pulled = pubsub.pull("notification-created-email", 10);
    assertThat(pulled).hasSize(1);
    PubSubEmulator.ReceivedMessage message = pulled.get(0);
    assertThat(message.messageId()).isEqualTo(id);
    assertThat(message.data()).isEqualTo("{\"notificationId\":\"n1\",\"type\":\"émail\"}");
    assertThat(message.attributes()).containsExactly(Map.entry("origin", "test"));
    pubsub.ack("notification-created-email", List.of(message.ackId()));

    pubsub.publish("notification-created", "two");
    pubsub.publish("notification-created", "three");
    assertThat(pubsub.drain("notification-created-email", Duration.ofMillis(500)))
        .extracting(PubSubEmulator.ReceivedMessage::data)
        .containsExactlyInAnyOrder("two", "three");
    assertThat(pubsub.pull("notification-created-email", 10)).isEmpty();
  }
}
