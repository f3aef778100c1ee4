package io.vibework.notify.worker.config;

import java.util.Optional;

/** Pub/Sub: project, emulator, the subscription the worker consumes and the topics it writes. */
public record PubSubSettings(
    String projectId,
    Optional<String> emulatorHost,
    String subscription,
    String topicCreated,
    String topicSent,
    Optional<String> deadLetterTopic,
    int maxOutstandingMessages,
    int maxDeliveryAttempts,
    Optional<String> credentialsFile) {

  static PubSubSettings from(Env env) {
    String project = env.required("GOOGLE_CLOUD_PROJECT");
    if (!project.matches("[a-z][-a-z0-9]{4,28}[a-z0-9]")) {
      throw new ConfigException(
          "GOOGLE_CLOUD_PROJECT",
          "must be 6 to 30 lowercase letters, digits or hyphens, starting with a letter (got '"
              + project
              + "')");
    }
    return new PubSubSettings(
        project,
        env.optional("PUBSUB_EMULATOR_HOST").map(host -> hostPort("PUBSUB_EMULATOR_HOST", host)),
        resource(env, "PUBSUB_SUBSCRIPTION", "notification-created-email"),
        resource(env, "PUBSUB_TOPIC_CREATED", "notification-created"),
        resource(env, "PUBSUB_TOPIC_SENT", "notification-sent"),
        env.optional("PUBSUB_DEAD_LETTER_TOPIC")
            .map(topic -> resource(env, "PUBSUB_DEAD_LETTER_TOPIC", topic)),
        env.integer("PUBSUB_MAX_OUTSTANDING_MESSAGES", 100, 1, 100_000),
        env.integer("PUBSUB_MAX_DELIVERY_ATTEMPTS", 5, 1, 100),
        env.optional("GOOGLE_APPLICATION_CREDENTIALS"));
  }

  private static String resource(Env env, String variable, String fallback) {
    String name = env.string(variable, fallback);
    if (!name.matches("[A-Za-z][-A-Za-z0-9_.~+%]{2,254}")) {
      throw new ConfigException(variable, "is not a valid Pub/Sub name (got '" + name + "')");
    }
    return name;
  }

  private static String hostPort(String variable, String value) {
    if (!value.matches("[^:/\\s]+:\\d{1,5}")) {
      throw new ConfigException(variable, "must be host:port (got '" + value + "')");
    }
    return value;
  }
}
