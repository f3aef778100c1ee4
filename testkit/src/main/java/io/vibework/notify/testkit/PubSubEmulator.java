package io.vibework.notify.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Google's Pub/Sub emulator ({@code cloud-pubsub-emulator}) on a free loopback port, with admin and
 * test helpers over its REST API. Point clients at it with {@code PUBSUB_EMULATOR_HOST=}{@link
 * #hostPort()} and project {@link #projectId()}.
 *
 * <p>Names follow Pub/Sub's rules: 3-255 characters, starting with a letter ({@code t1} is
 * rejected). After {@link #stop()} / {@link #start()} the emulator is empty again.
 */
public final class PubSubEmulator extends ServerProcess<PubSubEmulator> {

  public static final String DEFAULT_PROJECT_ID = "test-project";
  public static final Path EMULATOR =
      Path.of("/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator");

  /** A message as {@link #pull} returns it; {@code data} is base64-decoded as UTF-8. */
  public record ReceivedMessage(
      String ackId, String messageId, String data, Map<String, String> attributes) {}

  private final String projectId;

  public PubSubEmulator() {
    this(DEFAULT_PROJECT_ID);
  }

  /**
   * @param projectId 6-30 characters, e.g. {@code test-project}; the emulator rejects short ids
   */
  public PubSubEmulator(String projectId) {
    super("pubsub");
    this.projectId = projectId;
  }

  /** {@code 127.0.0.1:N}: the value for {@code PUBSUB_EMULATOR_HOST}. */
  public String hostPort() {
    return host() + ":" + port();
  }

  public String projectId() {
    return projectId;
  }

  /** {@code projects/P/topics/T} */
  public String topicPath(String topic) {
    return "projects/" + projectId + "/topics/" + topic;
  }

  /** {@code projects/P/subscriptions/S} */
  public String subscriptionPath(String subscription) {
    return "projects/" + projectId + "/subscriptions/" + subscription;
  }

  /** Creates a topic; an existing one is left as it is. */
  public void createTopic(String topic) {
    Http.Response response = Http.send("PUT", api(topicPath(topic)), "{}");
    if (!response.ok() && response.status() != 409) {
      throw new IllegalStateException(
          "create topic " + topic + " -> " + response.status() + ": " + response.body());
    }
  }

  /** Creates a pull subscription on {@code topic}; an existing one is left as it is. */
  public void createSubscription(String subscription, String topic, int ackDeadlineSeconds) {
    ObjectNode body =
        Http.JSON
            .createObjectNode()
            .put("topic", topicPath(topic))
            .put("ackDeadlineSeconds", ackDeadlineSeconds);
    Http.Response response = Http.send("PUT", api(subscriptionPath(subscription)), body);
    if (!response.ok() && response.status() != 409) {
      throw new IllegalStateException(
          "create subscription "
              + subscription
              + " -> "
              + response.status()
              + ": "
              + response.body());
    }
  }

  /** Publishes one UTF-8 message; returns its message id. */
  public String publish(String topic, String data) {
    return publish(topic, data, Map.of());
  }

  /** Publishes one UTF-8 message with attributes; returns its message id. */
  public String publish(String topic, String data, Map<String, String> attributes) {
    ObjectNode message =
        Http.JSON
            .createObjectNode()
            .put("data", Base64.getEncoder().encodeToString(data.getBytes(StandardCharsets.UTF_8)));
    if (!attributes.isEmpty()) {
      ObjectNode attrs = message.putObject("attributes");
      attributes.forEach(attrs::put);
    }
    ObjectNode body = Http.JSON.createObjectNode();
    body.putArray("messages").add(message);
    JsonNode answer = Http.call("POST", api(topicPath(topic) + ":publish"), body);
    return answer.path("messageIds").path(0).asText();
  }

  /** One pull that returns at once: up to {@code max} messages, possibly none. Not acked. */
  public List<ReceivedMessage> pull(String subscription, int max) {
    ObjectNode body =
        Http.JSON.createObjectNode().put("maxMessages", max).put("returnImmediately", true);
    JsonNode answer = Http.call("POST", api(subscriptionPath(subscription) + ":pull"), body);
    List<ReceivedMessage> messages = new ArrayList<>();
    for (JsonNode received : answer.path("receivedMessages")) {
      JsonNode message = received.path("message");
      Map<String, String> attributes = new LinkedHashMap<>();
      message
          .path("attributes")
          .properties()
          .forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
      String data =
          new String(
              Base64.getDecoder().decode(message.path("data").asText("")), StandardCharsets.UTF_8);
      messages.add(
          new ReceivedMessage(
              received.path("ackId").asText(),
              message.path("messageId").asText(),
              data,
              Map.copyOf(attributes)));
    }
    return messages;
  }

  public void ack(String subscription, Collection<String> ackIds) {
    if (ackIds.isEmpty()) {
      return;
    }
    ObjectNode body = Http.JSON.createObjectNode();
    ArrayNode ids = body.putArray("ackIds");
    ackIds.forEach(ids::add);
    Http.call("POST", api(subscriptionPath(subscription) + ":acknowledge"), body);
  }

  /**
   * Pulls and acks until nothing has arrived for {@code quietPeriod}; returns what it took, in
   * arrival order. Use it to empty a subscription or to collect what a worker published.
   */
  public List<ReceivedMessage> drain(String subscription, Duration quietPeriod) {
    List<ReceivedMessage> all = new ArrayList<>();
    long quietSince = System.nanoTime();
    while (System.nanoTime() - quietSince < quietPeriod.toNanos()) {
      List<ReceivedMessage> batch = pull(subscription, 100);
      if (batch.isEmpty()) {
        sleep(Duration.ofMillis(100));
        continue;
      }
      ack(subscription, batch.stream().map(ReceivedMessage::ackId).toList());
      all.addAll(batch);
      quietSince = System.nanoTime();
    }
    return all;
  }

  /**
   * Pulls and acks until {@code count} messages arrived or {@code timeout} passed; returns what
   * arrived (fewer than {@code count} on timeout: assert on the size).
   */
  public List<ReceivedMessage> awaitMessages(String subscription, int count, Duration timeout) {
    List<ReceivedMessage> all = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (all.size() < count && System.nanoTime() < deadline) {
      List<ReceivedMessage> batch = pull(subscription, count - all.size());
      if (batch.isEmpty()) {
        sleep(Duration.ofMillis(100));
        continue;
      }
      ack(subscription, batch.stream().map(ReceivedMessage::ackId).toList());
      all.addAll(batch);
    }
    return all;
  }

  @Override
  protected void verifyInstalled() {
    if (!Files.isExecutable(EMULATOR)) {
      throw missing(
          "cloud-pubsub-emulator not found at "
              + EMULATOR
              + ": install the Debian package "
              + "google-cloud-cli-pubsub-emulator from the Google Cloud SDK apt repo "
              + "(https://cloud.google.com/sdk/docs/install#deb); it installs under /usr/lib/google-cloud-sdk");
    }
  }

  @Override
  protected List<String> command(int port) {
    return List.of(EMULATOR.toString(), "--host=" + Ports.LOOPBACK, "--port=" + port);
  }

  @Override
  protected void environment(Map<String, String> env) {
    // The emulator needs Java 21+: run it on the JDK this JVM runs on.
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.remove("JAVA_OPTS");
    env.remove("JAVA_TOOL_OPTIONS");
    env.put("CLOUD_PUBSUB_EMULATOR_OPTS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
  }

  @Override
  protected boolean isReady() {
    Http.Response response = Http.send("GET", URI.create("http://" + hostPort() + "/"), null);
    return response.ok();
  }

  private URI api(String resource) {
    // ':' before publish/pull/acknowledge is part of the REST path, not a scheme
    return URI.create("http://" + hostPort() + "/v1/" + encodePath(resource));
  }

  private static String encodePath(String path) {
    StringBuilder out = new StringBuilder();
    for (String segment : path.split("/", -1)) {
      if (!out.isEmpty()) {
        out.append('/');
      }
      out.append(
          URLEncoder.encode(segment, StandardCharsets.UTF_8)
              .replace("%3A", ":")
              .replace("+", "%20"));
    }
    return out.toString();
  }
}
