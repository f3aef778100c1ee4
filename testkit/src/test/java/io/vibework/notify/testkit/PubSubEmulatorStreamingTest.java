package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.ProjectSubscriptionName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Streaming pull as the worker uses it, against the emulator as the testkit starts it: a closed
 * subscriber's stream must be gone at once, or kill and redelivery tests measure the emulator.
 */
class PubSubEmulatorStreamingTest {

  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();

  private ManagedChannel channel;

  @BeforeEach
  void connect() {
    channel = ManagedChannelBuilder.forTarget(pubsub.hostPort()).usePlaintext().build();
  }

  @AfterEach
  void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void aClosedSubscriberTakesNoMoreMessagesAndTheNextOneGetsThemAtFirstAttempt() throws Exception {
    pubsub.createTopic("streamed");
    pubsub.createTopic("streamed-dead");
    // A long ack deadline: a message stuck on a dead stream would not come back within the test.
    pubsub.createSubscription("streamed-sub", "streamed", 60, "streamed-dead", 5);
    pubsub.createSubscription("streamed-dead-check", "streamed-dead", 60);

    List<String> firstGot = new CopyOnWriteArrayList<>();
    Subscriber first = subscriber("streamed-sub", firstGot, new ConcurrentHashMap<>());
    first.startAsync().awaitRunning();
    pubsub.publish("streamed", "warm-up");
    awaitSize(firstGot, 1, Duration.ofSeconds(20));
    first.stopAsync().awaitTerminated(20, TimeUnit.SECONDS);

    List<String> secondGot = new CopyOnWriteArrayList<>();
    Map<String, Integer> attempts = new ConcurrentHashMap<>();
    Subscriber second = subscriber("streamed-sub", secondGot, attempts);
    second.startAsync().awaitRunning();
    List<String> sent = IntStream.range(0, 20).mapToObj(i -> "m" + i).toList();
    sent.forEach(data -> pubsub.publish("streamed", data));
    try {
      awaitSize(secondGot, sent.size(), Duration.ofSeconds(15));
    } finally {
      second.stopAsync().awaitTerminated(20, TimeUnit.SECONDS);
    }

    assertThat(secondGot).containsExactlyInAnyOrderElementsOf(sent);
    assertThat(attempts.values())
        .as("no delivery attempt spent on a closed stream")
        .containsOnly(1);
    assertThat(firstGot).containsExactly("warm-up");
    assertThat(pubsub.pull("streamed-dead-check", 10)).as("nothing dead-lettered").isEmpty();
    assertThat(Files.readString(pubsub.logFile())).doesNotContain("NoSuchMethodError");
  }

  private Subscriber subscriber(
      String subscription, List<String> got, Map<String, Integer> attempts) {
    return Subscriber.newBuilder(
            ProjectSubscriptionName.of(pubsub.projectId(), subscription),
            (MessageReceiver)
                (message, reply) -> {
                  String data = message.getData().toStringUtf8();
                  Integer attempt = Subscriber.getDeliveryAttempt(message);
                  attempts.merge(data, attempt == null ? 0 : attempt, Math::max);
                  got.add(data);
                  reply.ack();
                })
        .setChannelProvider(
            FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
        .setCredentialsProvider(NoCredentialsProvider.create())
        .build();
  }

  private static void awaitSize(List<String> list, int size, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (list.size() < size && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }
}
