package io.vibework.notify.worker.config;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Everything the worker reads from its environment, parsed and checked once at start-up. */
public record WorkerConfig(
    CacheSettings cache,
    PubSubSettings pubsub,
    EmailSettings email,
    FeedbackSettings feedback,
    MySqlSettings mysql,
    MongoSettings mongo,
    int httpPort,
    Optional<InetAddress> httpBindAddress,
    LogLevel logLevel,
    String appEnv,
    Duration shutdownGrace,
    Duration unknownRecordGrace,
    Duration claimLease,
    TemplateSettings templates,
    Duration suppressionRefresh,
    ReputationGuardSettings reputationGuard) {

  public enum LogLevel {
    TRACE,
    DEBUG,
    INFO,
    WARN,
    ERROR
  }

  /**
   * Parses the variables DESIGN.md lists. Throws {@link ConfigException} naming the first bad
   * variable.
   */
  public static WorkerConfig fromEnvironment(Map<String, String> variables) {
    Env env = new Env(variables);
    FeedbackSettings feedback = FeedbackSettings.from(env);
    return new WorkerConfig(
        CacheSettings.from(env),
        PubSubSettings.from(env),
        EmailSettings.from(env),
        feedback,
        MySqlSettings.from(env),
        MongoSettings.from(env),
        env.integer("HTTP_PORT", 8080, 0, 65535),
        // Unset: every interface, as in a container. Set to the pod's IP where several workers
        // share one host (the local kubelet gives each its own loopback address).
        env.ipAddress("HTTP_BIND_ADDRESS"),
        env.choice("LOG_LEVEL", LogLevel.class, LogLevel.INFO),
        env.string("APP_ENV", "development"),
        Duration.ofSeconds(env.integer("SHUTDOWN_GRACE_SECONDS", 25, 1, 3600)),
        // The backend may publish before its own write is visible: how long a missing user or
        // notification counts as "not yet" before the message is dead-lettered.
        Duration.ofSeconds(env.integer("UNKNOWN_RECORD_GRACE_SECONDS", 60, 0, 3600)),
        // Renewed every third of it while held: a dead holder's claims come back within this much,
        // and a live holder that cannot renew for this long stops before sending.
        Duration.ofSeconds(env.integer("CLAIM_LEASE_SECONDS", 30, 3, 600)),
        TemplateSettings.from(env),
        // How stale the in-memory suppression list may be: an address suppressed by another
        // worker may still get mail for this long.
        Duration.ofSeconds(env.integer("SUPPRESSION_REFRESH_SECONDS", 30, 1, 600)),
        ReputationGuardSettings.from(env, feedback));
  }
}
