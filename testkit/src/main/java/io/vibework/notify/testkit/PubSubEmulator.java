package io.vibework.notify.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
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
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

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

  /** The emulator's fat jar, which the launcher script above runs with {@code java -jar}. */
  public static final Path EMULATOR_JAR =
      Path.of(
          "/usr/lib/google-cloud-sdk/platform/pubsub-emulator/lib/cloud-pubsub-emulator-0.8.20-all.jar");

  private static final String MAIN_CLASS = "com.google.cloud.pubsub.testing.v1.Main";

  /**
   * The fat jar mixes gRPC versions: its {@code ServerImpl} calls {@code
   * InternalStatus.asRuntimeException(Status, Metadata, boolean)}, which its {@code InternalStatus}
   * lacks. Every reset stream (a subscriber that closes or dies) then throws {@code
   * NoSuchMethodError} and is never unregistered: it keeps taking messages (each one a delivery
   * attempt) for up to a minute and a new subscriber stalls. This class, compiled against the jar
   * and put first on the classpath, has both methods.
   */
  private static final String INTERNAL_STATUS_PATCH =
      """
      package io.grpc;

      public final class InternalStatus {
        private InternalStatus() {}

        public static final Metadata.Key<String> MESSAGE_KEY = Status.MESSAGE_KEY;
        public static final Metadata.Key<Status> CODE_KEY = Status.CODE_KEY;

        public static StatusRuntimeException asRuntimeExceptionWithoutStacktrace(
            Status status, Metadata trailers) {
          return new InternalStatusRuntimeException(status, trailers);
        }

        public static StatusRuntimeException asRuntimeException(
            Status status, Metadata trailers, boolean withStackTrace) {
          return withStackTrace
              ? new StatusRuntimeException(status, trailers)
              : new InternalStatusRuntimeException(status, trailers);
        }
      }
      """;

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
    createSubscription(subscription, topic, ackDeadlineSeconds, null, 0);
  }

  /**
   * Creates a pull subscription with a dead-letter policy: after {@code maxDeliveryAttempts}
   * deliveries (5-100) the emulator forwards a message to {@code deadLetterTopic}, and each message
   * carries its delivery attempt. An existing subscription is left as it is.
   */
  public void createSubscription(
      String subscription,
      String topic,
      int ackDeadlineSeconds,
      String deadLetterTopic,
      int maxDeliveryAttempts) {
    ObjectNode body =
        Http.JSON
            .createObjectNode()
            .put("topic", topicPath(topic))
            .put("ackDeadlineSeconds", ackDeadlineSeconds);
    if (deadLetterTopic != null) {
      body.putObject("deadLetterPolicy")
          .put("deadLetterTopic", topicPath(deadLetterTopic))
          .put("maxDeliveryAttempts", maxDeliveryAttempts);
    }
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

  /** Publishes UTF-8 messages in batches of up to 1,000 per request; returns their ids in order. */
  public List<String> publishAll(String topic, List<String> data) {
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < data.size(); from += 1000) {
      ObjectNode body = Http.JSON.createObjectNode();
      ArrayNode messages = body.putArray("messages");
      for (String one : data.subList(from, Math.min(data.size(), from + 1000))) {
        messages
            .addObject()
            .put("data", Base64.getEncoder().encodeToString(one.getBytes(StandardCharsets.UTF_8)));
      }
      JsonNode answer = Http.call("POST", api(topicPath(topic) + ":publish"), body);
      answer.path("messageIds").forEach(id -> ids.add(id.asText()));
    }
    return ids;
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
    if (!Files.isExecutable(EMULATOR) || !Files.isRegularFile(EMULATOR_JAR)) {
      throw missing(
          "cloud-pubsub-emulator not found at "
              + EMULATOR
              + ": install the Debian package "
              + "google-cloud-cli-pubsub-emulator from the Google Cloud SDK apt repo "
              + "(https://cloud.google.com/sdk/docs/install#deb); it installs under /usr/lib/google-cloud-sdk");
    }
  }

  /** Compiles the {@code InternalStatus} fix into this server's folder, once per folder. */
  @Override
  protected void prepare() {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw missing(
          "the Pub/Sub emulator fix needs a JDK (javax.tools compiler), not a JRE: run tests on"
              + " a JDK 21+");
    }
    try {
      Path sources = Files.createDirectories(directory().resolve("grpc-patch-src/io/grpc"));
      Path source = sources.resolve("InternalStatus.java");
      Files.writeString(source, INTERNAL_STATUS_PATCH);
      Files.createDirectories(patchClasses());
      ByteArrayOutputStream errors = new ByteArrayOutputStream();
      int exit =
          javac.run(
              null,
              errors,
              errors,
              "-nowarn",
              "-proc:none",
              "-cp",
              EMULATOR_JAR.toString(),
              "-d",
              patchClasses().toString(),
              source.toString());
      if (exit != 0) {
        throw new IllegalStateException(
            "cannot compile the Pub/Sub emulator's gRPC fix against "
                + EMULATOR_JAR
                + ": "
                + errors.toString(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the Pub/Sub emulator's gRPC fix", e);
    }
  }

  private Path patchClasses() {
    return directory().resolve("grpc-patch");
  }

  /**
   * What the launcher script would run, with the fix first on the classpath, on the JDK this JVM
   * runs on (the emulator needs Java 21+).
   */
  @Override
  protected List<String> command(int port) {
    return List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-cp",
        patchClasses() + File.pathSeparator + EMULATOR_JAR,
        MAIN_CLASS,
        "--host=" + Ports.LOOPBACK,
        "--port=" + port);
  }

  @Override
  protected void environment(Map<String, String> env) {
    env.remove("JAVA_OPTS");
    env.remove("JAVA_TOOL_OPTIONS");
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
