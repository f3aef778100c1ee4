package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;

class SqsServerTest {
  @RegisterExtension static final SqsServer sqs = new SqsServer();

  @Test
  void aMessageReceivedAndNeverDeletedEndsInTheDeadLetterQueueAfterMaxReceives() {
    SqsServer.Queues queues = sqs.createQueues("redrive", 2, Duration.ofSeconds(1));
    sqs.send(queues.url(), "{\"broken\":");
    try (SqsClient client =
        SqsClient.builder()
            .endpointOverride(sqs.endpoint())
            .region(Region.EU_WEST_1)
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
            .build()) {
      for (int receive = 0; receive < 2; receive++) {
        var got =
            client.receiveMessage(r -> r.queueUrl(queues.url()).waitTimeSeconds(3)).messages();
        assertThat(got).extracting(Message::body).containsExactly("{\"broken\":");
      }
      // The third receive is the one that moves it.
      assertThat(client.receiveMessage(r -> r.queueUrl(queues.url()).waitTimeSeconds(2)).messages())
          .isEmpty();
    }
    assertThat(sqs.drain(queues.deadLetterUrl(), Duration.ofSeconds(2)))
        .containsExactly("{\"broken\":");
    assertThat(sqs.depth(queues.url())).isZero();
  }
}
