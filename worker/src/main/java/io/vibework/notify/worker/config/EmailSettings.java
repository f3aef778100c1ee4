package io.vibework.notify.worker.config;

import java.net.URI;
import java.util.Optional;
import java.util.Set;

/**
 * SES v2: region, sender, optional endpoint override (local SES), and credentials: static keys, a
 * role to assume, or (neither) the SDK's default chain, which covers instance roles. With a web
 * identity token (EKS IRSA) the default chain itself assumes {@code AWS_ROLE_ARN}.
 *
 * <p>{@code maxSendRate} is the pipeline's budget across all its workers (0: no limit); {@code
 * rateShare} is what this worker sends at while the shared budget (Redis) is unreachable.
 *
 * <p>{@code configurationSet} names the SES configuration set whose event destination feeds bounces
 * and complaints back; {@code pipelineName} goes into each send's {@code pipeline} tag.
 */
public record EmailSettings(
    String region,
    String fromAddress,
    Optional<URI> endpoint,
    Optional<StaticKeys> staticKeys,
    Optional<String> roleArn,
    boolean webIdentity,
    int maxRetries,
    double maxSendRate,
    double rateShare,
    Optional<String> configurationSet,
    String pipelineName) {

  /** Access key pair; never printed. */
  public record StaticKeys(String accessKeyId, String secretAccessKey) {
    @Override
    public String toString() {
      return "StaticKeys[***]";
    }
  }

  static EmailSettings from(Env env) {
    String region = env.required("AWS_REGION");
    if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
      throw new ConfigException(
          "AWS_REGION", "must be an AWS region such as eu-west-1 (got '" + region + "')");
    }
    String from = env.required("AWS_SES_FROM_ADDRESS");
    if (!from.matches("[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+")
        && !from.matches(".*<[^@\\s<>]+@[^@\\s<>]+>")) {
      throw new ConfigException(
          "AWS_SES_FROM_ADDRESS", "must be an email address (got '" + from + "')");
    }
    Optional<URI> endpoint =
        env.optional("AWS_ENDPOINT_URL_SESV2")
            .map(url -> env.uri("AWS_ENDPOINT_URL_SESV2", url, Set.of("http", "https")))
            .or(
                () ->
                    env.optional("AWS_ENDPOINT_URL")
                        .map(url -> env.uri("AWS_ENDPOINT_URL", url, Set.of("http", "https"))));
    Optional<String> keyId = env.optional("AWS_ACCESS_KEY_ID");
    Optional<String> secret = env.optional("AWS_SECRET_ACCESS_KEY");
    if (keyId.isPresent() != secret.isPresent()) {
      throw new ConfigException(
          keyId.isPresent() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
          "must be set together with "
              + (keyId.isPresent() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
    }
    Optional<String> roleArn = env.optional("AWS_ROLE_ARN");
    roleArn
        .filter(arn -> !arn.matches("arn:aws[a-z-]*:iam::\\d{12}:role/.+"))
        .ifPresent(
            arn -> {
              throw new ConfigException(
                  "AWS_ROLE_ARN",
                  "must be an IAM role ARN such as arn:aws:iam::123456789012:role/ses-sender (got '"
                      + arn
                      + "')");
            });
    double maxSendRate = env.decimal("SES_MAX_SEND_RATE", 0, 0);
    Optional<String> configurationSet = env.optional("AWS_SES_CONFIGURATION_SET");
    configurationSet
        .filter(name -> !name.matches("[A-Za-z0-9_-]{1,64}"))
        .ifPresent(
            name -> {
              throw new ConfigException(
                  "AWS_SES_CONFIGURATION_SET",
                  "must be 1 to 64 letters, digits, _ or - (got '" + name + "')");
            });
    return new EmailSettings(
        region,
        from,
        endpoint,
        keyId.map(id -> new StaticKeys(id, secret.orElseThrow())),
        roleArn,
        env.optional("AWS_WEB_IDENTITY_TOKEN_FILE").isPresent(),
        env.integer("SES_MAX_RETRIES", 3, 0, 10),
        maxSendRate,
        // Without Redis each worker sends at its share; alone, a worker may use the whole budget.
        env.decimal("SES_RATE_SHARE", maxSendRate, 0),
        configurationSet,
        // The operator sets the pipeline's name; alone, a worker is named by what it consumes.
        env.string(
            "PIPELINE_NAME", env.string("PUBSUB_SUBSCRIPTION", "notification-created-email")));
  }
}
