package io.vibework.notify.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;

/**
 * SES feedback: the SQS queue SES events arrive on (none: no feedback consumer), its endpoint
 * override (local SQS), how many transient bounces within what window suppress an address, and the
 * optional topic that tells the backend about each event.
 */
public record FeedbackSettings(
    Optional<String> queueUrl,
    Optional<URI> endpoint,
    int transientBounceLimit,
    Duration transientBounceWindow,
    Optional<String> topic) {

  static FeedbackSettings from(Env env) {
    Optional<String> queueUrl = env.optional("AWS_SES_FEEDBACK_QUEUE_URL");
    queueUrl.ifPresent(url -> env.uri("AWS_SES_FEEDBACK_QUEUE_URL", url, Set.of("http", "https")));
    Optional<URI> endpoint =
        env.optional("AWS_ENDPOINT_URL_SQS")
            .map(url -> env.uri("AWS_ENDPOINT_URL_SQS", url, Set.of("http", "https")))
            .or(
                () ->
                    env.optional("AWS_ENDPOINT_URL")
                        .map(url -> env.uri("AWS_ENDPOINT_URL", url, Set.of("http", "https"))));
    return new FeedbackSettings(
        queueUrl,
        endpoint,
        env.integer("FEEDBACK_TRANSIENT_BOUNCE_LIMIT", 3, 1, 100),
        Duration.ofDays(env.integer("FEEDBACK_TRANSIENT_BOUNCE_WINDOW_DAYS", 7, 1, 90)),
        env.optional("PUBSUB_TOPIC_FEEDBACK"));
  }
}
