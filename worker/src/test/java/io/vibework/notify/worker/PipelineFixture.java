package io.vibework.notify.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.config.WorkerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * The real servers a worker needs, plus the chores tests repeat: seed users and notifications,
 * create a fresh set of topics per test, start workers with the environment a user would set.
 */
public final class PipelineFixture implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final AtomicInteger SEQUENCE = new AtomicInteger();
  static final ObjectMapper JSON = new ObjectMapper();

  public final RedisServer redis;
  public final MariaDbServer mysql;
  public final PubSubEmulator pubsub;
  public final SesEmulator ses;
  public final MongoServer mongo;

  /** The backend's users (MariaDB) and notifications (MongoDB database {@code notifications}). */
  public final BackendData data;

  private final List<Worker> workers = new ArrayList<>();

  public PipelineFixture(
      RedisServer redis,
      MariaDbServer mysql,
      PubSubEmulator pubsub,
      SesEmulator ses,
      MongoServer mongo) {
    this.redis = redis;
    this.mysql = mysql;
    this.pubsub = pubsub;
    this.ses = ses;
    this.mongo = mongo;
    this.data = new BackendData(mysql, mongo.connectionString(), "notifications");
  }

  /** Topic and subscription names private to one test, so tests never see each other's messages. */
  public record Topics(
      String created,
      String subscription,
      String sent,
      String sentCheck,
      String deadLetter,
      String deadLetterCheck) {
    /**
     * The names a production install uses, plus the subscriptions a watcher reads outcomes from.
     */
    public static Topics standard() {
      return new Topics(
          "notification-created",
          "notification-created-email",
          "notification-sent",
          "notification-sent-watch",
          "notification-dead-letter",
          "notification-dead-letter-watch");
    }
  }

  public Topics freshTopics(int ackDeadlineSeconds) {
    int n = SEQUENCE.incrementAndGet();
    return createTopics(
        new Topics(
            "created-" + n,
            "created-email-" + n,
            "sent-" + n,
            "sent-check-" + n,
            "dead-" + n,
            "dead-check-" + n),
        ackDeadlineSeconds);
  }

  public Topics createTopics(Topics t, int ackDeadlineSeconds) {
    return createTopics(t, ackDeadlineSeconds, 0);
  }

  /**
   * Fresh topics whose subscription has a dead-letter policy, as the README recommends: Pub/Sub
   * counts delivery attempts and forwards a message to the dead-letter topic after {@code
   * maxDeliveryAttempts}.
   */
  public Topics freshTopicsWithDeadLetterPolicy(int ackDeadlineSeconds, int maxDeliveryAttempts) {
    int n = SEQUENCE.incrementAndGet();
    return createTopics(
        new Topics(
            "created-" + n,
            "created-email-" + n,
            "sent-" + n,
            "sent-check-" + n,
            "dead-" + n,
            "dead-check-" + n),
        ackDeadlineSeconds,
        maxDeliveryAttempts);
  }

  private Topics createTopics(Topics t, int ackDeadlineSeconds, int maxDeliveryAttempts) {
    pubsub.createTopic(t.deadLetter());
    pubsub.createSubscription(t.deadLetterCheck(), t.deadLetter(), 60);
    pubsub.createTopic(t.created());
    if (maxDeliveryAttempts > 0) {
      pubsub.createSubscription(
          t.subscription(), t.created(), ackDeadlineSeconds, t.deadLetter(), maxDeliveryAttempts);
    } else {
      pubsub.createSubscription(t.subscription(), t.created(), ackDeadlineSeconds);
    }
    pubsub.createTopic(t.sent());
    pubsub.createSubscription(t.sentCheck(), t.sent(), 60);
    return t;
  }

  public Map<String, String> environment(Topics topics) {
    return environment(topics, ses.endpoint());
  }

  public Map<String, String> environment(Topics topics, URI sesEndpoint) {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_URL", redis.url());
    env.put("REDIS_TTL_SECONDS", "600");
    env.put("MYSQL_HOST", mysql.host());
    env.put("MYSQL_PORT", String.valueOf(mysql.port()));
    env.put("MYSQL_USER", mysql.user());
    env.put("MYSQL_PASSWORD", mysql.password());
    env.put("MYSQL_DATABASE", mysql.database());
    env.put("MONGODB_URL", mongo.url("notifications"));
    env.put("PUBSUB_EMULATOR_HOST", pubsub.hostPort());
    env.put("GOOGLE_CLOUD_PROJECT", pubsub.projectId());
    env.put("PUBSUB_SUBSCRIPTION", topics.subscription());
    env.put("PUBSUB_TOPIC_CREATED", topics.created());
    env.put("PUBSUB_TOPIC_SENT", topics.sent());
    env.put("PUBSUB_DEAD_LETTER_TOPIC", topics.deadLetter());
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "local");
    env.put("AWS_SECRET_ACCESS_KEY", "local-secret");
    env.put("AWS_SES_FROM_ADDRESS", "noreply@vibework.io");
    env.put("AWS_ENDPOINT_URL_SESV2", sesEndpoint.toString());
    env.put("HTTP_PORT", "0");
    env.put("SHUTDOWN_GRACE_SECONDS", "10");
    return env;
  }

  public Worker startWorker(Map<String, String> env) {
    try {
      Worker worker =
          Worker.start(WorkerConfig.fromEnvironment(env), Clock.systemUTC(), failure -> {});
      workers.add(worker);
      return worker;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A user with one welcome notification; the common case when a test is about something else. */
  public record Welcome(String userId, String address, String notificationId) {}

  /** A user with {@code notificationIds} pending for them, each titled by its id. */
  public record Backlog(String userId, String address, List<String> notificationIds) {}

  public Backlog addUserWithBacklog(String name, int count) {
    String userId = unique(name.toLowerCase());
    String address = userId + "@example.com";
    data.addUser(userId, address, name);
    List<String> ids =
        IntStream.range(0, count).mapToObj(i -> unique("n-" + name.toLowerCase())).toList();
    ids.forEach(
        id ->
            data.addNotification(id, userId, "notification", Map.of("title", id, "message", "m")));
    return new Backlog(userId, address, ids);
  }

  public Welcome addUserWithWelcome(String name) {
    String userId = unique(name.toLowerCase());
    String address = userId + "@example.com";
    data.addUser(userId, address, name);
    String id = unique("n-" + name.toLowerCase());
    data.addNotification(id, userId, "welcome", Map.of("name", name));
    return new Welcome(userId, address, id);
  }

  public String publishCreated(Topics topics, String notificationId, String userId, String type) {
    return pubsub.publish(topics.created(), BackendData.createdEvent(notificationId, userId, type));
  }

  /** Publishes one {@code notification-created} email event per id, in one batch. */
  public void publishCreatedEmails(Topics topics, List<String> ids, String userId) {
    pubsub.publishAll(
        topics.created(),
        ids.stream().map(id -> BackendData.createdEvent(id, userId, "email")).toList());
  }

  /**
   * Waits until a {@code notification-sent} event arrived for each of {@code ids} and returns the
   * latest event per id. Events are at-least-once, so an id may have been announced more than once.
   */
  public Map<String, JsonNode> awaitOutcomes(Topics topics, Collection<String> ids) {
    Map<String, JsonNode> byId = new HashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!byId.keySet().containsAll(ids)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no notification-sent event for "
                + ids.stream().filter(id -> !byId.containsKey(id)).toList());
      }
      for (PubSubEmulator.ReceivedMessage message :
          pubsub.awaitMessages(topics.sentCheck(), 1, Duration.ofSeconds(5))) {
        JsonNode event = parse(message.data());
        byId.put(event.get("notificationId").asText(), event);
      }
    }
    return byId;
  }

  public JsonNode awaitOutcome(Topics topics, String id) {
    return awaitOutcomes(topics, List.of(id)).get(id);
  }

  public List<SesEmulator.SentEmail> emailsTo(String address) {
    return ses.emails().stream().filter(email -> email.to().contains(address)).toList();
  }

  /** The worker's {@code /readyz} body, whatever its status code. */
  public static JsonNode readyz(Worker worker) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + worker.httpPort() + "/readyz"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String unique(String prefix) {
    return prefix + "-" + SEQUENCE.incrementAndGet() + "-" + System.nanoTime() % 100_000;
  }

  public void stopWorkers() {
    workers.forEach(Worker::close);
    workers.clear();
  }

  @Override
  public void close() {
    stopWorkers();
    data.close();
  }
}
