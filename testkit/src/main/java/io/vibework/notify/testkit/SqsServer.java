package io.vibework.notify.testkit;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * A real SQS server (ElasticMQ, embedded in this JVM) on a free loopback port, with a client for
 * the chores tests repeat: a queue with a dead-letter queue behind a redrive policy, as the README
 * sets up on AWS, sending raw bodies, reading what is left. Queues live as long as the server:
 * {@link #stop()} then {@link #start()} serves on the same port with no queues.
 */
public final class SqsServer extends ClassScopedServer {
  private SQSRestServer server;
  private SqsClient client;
  private int port;

  /** A feedback queue and the dead-letter queue its redrive policy moves messages to. */
  public record Queues(String url, String deadLetterUrl) {}

  @Override
  public synchronized SqsServer start() {
    if (server != null) {
      return this;
    }
    if (port == 0) {
      port = Ports.free();
    }
    server =
        SQSRestServerBuilder.withInterface(Ports.LOOPBACK)
            .withPort(port)
            .withServerAddress(new org.elasticmq.NodeAddress("http", Ports.LOOPBACK, port, ""))
            .start();
    server.waitUntilStarted();
    if (client == null) {
      client =
          SqsClient.builder()
              .endpointOverride(endpoint())
              .region(Region.US_EAST_1)
              .credentialsProvider(
                  StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
              .build();
    }
    return this;
  }

  /** Stops the server; queues and messages are gone, the port is kept for {@link #start()}. */
  public synchronized void stop() {
    if (server != null) {
      server.stopAndWait();
      server = null;
    }
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  @Override
  public synchronized void close() {
    stop();
    if (client != null) {
      client.close();
      client = null;
    }
    port = 0;
  }

  /** {@code http://127.0.0.1:N}: what {@code AWS_ENDPOINT_URL_SQS} points at. */
  public synchronized URI endpoint() {
    if (port == 0) {
      throw new IllegalStateException("sqs has not been started");
    }
    return URI.create("http://" + Ports.LOOPBACK + ":" + port);
  }

  /**
   * Creates {@code name} and {@code name-dlq}; after {@code maxReceiveCount} receives without a
   * delete SQS moves a message to the dead-letter queue. {@code visibilityTimeout} is how long a
   * received message stays hidden before it is handed out again.
   */
  public Queues createQueues(String name, int maxReceiveCount, Duration visibilityTimeout) {
    String dlq = client().createQueue(r -> r.queueName(name + "-dlq")).queueUrl();
    String dlqArn =
        client()
            .getQueueAttributes(r -> r.queueUrl(dlq).attributeNames(QueueAttributeName.QUEUE_ARN))
            .attributes()
            .get(QueueAttributeName.QUEUE_ARN);
    String url =
        client()
            .createQueue(
                r ->
                    r.queueName(name)
                        .attributes(
                            Map.of(
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                Long.toString(visibilityTimeout.toSeconds()),
                                QueueAttributeName.REDRIVE_POLICY,
                                "{\"maxReceiveCount\":\""
                                    + maxReceiveCount
                                    + "\",\"deadLetterTargetArn\":\""
                                    + dlqArn
                                    + "\"}")))
            .queueUrl();
    return new Queues(url, dlq);
  }

  public void send(String queueUrl, String body) {
    client().sendMessage(r -> r.queueUrl(queueUrl).messageBody(body));
  }

  /** Sends {@code bodies} ten to a request (SendMessageBatch), in order. */
  public void sendBatch(String queueUrl, List<String> bodies) {
    for (int from = 0; from < bodies.size(); from += 10) {
      List<String> batch = bodies.subList(from, Math.min(from + 10, bodies.size()));
      List<SendMessageBatchRequestEntry> entries = new java.util.ArrayList<>();
      for (int i = 0; i < batch.size(); i++) {
        entries.add(
            SendMessageBatchRequestEntry.builder()
                .id(Integer.toString(i))
                .messageBody(batch.get(i))
                .build());
      }
      client().sendMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
    }
  }

  /**
   * Messages in the queue, visible or being processed (SQS's approximate counts, exact on
   * ElasticMQ).
   */
  public int depth(String queueUrl) {
    Map<QueueAttributeName, String> attributes =
        client()
            .getQueueAttributes(
                r ->
                    r.queueUrl(queueUrl)
                        .attributeNames(
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                            QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes();
    return Integer.parseInt(attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
        + Integer.parseInt(
            attributes.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE));
  }

  /** Receives (and deletes) up to ten messages, waiting up to {@code wait} for the first. */
  public List<String> drain(String queueUrl, Duration wait) {
    List<Message> messages =
        client()
            .receiveMessage(
                r ->
                    r.queueUrl(queueUrl)
                        .maxNumberOfMessages(10)
                        .waitTimeSeconds((int) wait.toSeconds()))
            .messages();
    for (Message m : messages) {
      client().deleteMessage(r -> r.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
    }
    return messages.stream().map(Message::body).toList();
  }

  private synchronized SqsClient client() {
    if (client == null) {
      throw new IllegalStateException("sqs has not been started");
    }
    return client;
  }

  @Override
  public String toString() {
    return "sqs[" + Ports.LOOPBACK + ":" + port + "]";
  }
}
