package io.vibework.notify.worker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WorkerConfigTest {

  static Map<String, String> minimal() {
    Map<String, String> env = new HashMap<>();
    env.put("REDIS_URL", "redis://cache:6379");
    env.put("GOOGLE_CLOUD_PROJECT", "test-project");
    env.put("AWS_REGION", "eu-west-1");
    env.put("AWS_SES_FROM_ADDRESS", "noreply@vibework.io");
    env.put("MYSQL_HOST", "mysql");
    env.put("MYSQL_USER", "app");
    env.put("MYSQL_PASSWORD", "s3cr3t-mysql");
    env.put("MYSQL_DATABASE", "vibe");
    env.put("MONGODB_URL", "mongodb://u:s3cr3t-mongo@mongo:27017/notifications");
    return env;
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    WorkerConfig config = WorkerConfig.fromEnvironment(minimal());

    assertThat(config.cache().keyPrefix()).isEqualTo("vibe:");
    assertThat(config.cache().ttl()).isEqualTo(Duration.ofHours(1));
    assertThat(config.pubsub().subscription()).isEqualTo("notification-created-email");
    assertThat(config.pubsub().topicCreated()).isEqualTo("notification-created");
    assertThat(config.pubsub().topicSent()).isEqualTo("notification-sent");
    assertThat(config.pubsub().deadLetterTopic()).isEmpty();
    assertThat(config.pubsub().emulatorHost()).isEmpty();
    assertThat(config.mysql().port()).isEqualTo(3306);
    assertThat(config.mysql().maxPoolSize()).isEqualTo(10);
    assertThat(config.mongo().poolSize()).isEqualTo(10);
    assertThat(config.mongo().database()).isEqualTo("notifications");
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.httpBindAddress()).isEmpty();
    assertThat(config.logLevel()).isEqualTo(WorkerConfig.LogLevel.INFO);
    assertThat(config.appEnv()).isEqualTo("development");
    assertThat(config.email().staticKeys()).isEmpty();
    assertThat(config.email().maxSendRate()).isZero();
    assertThat(config.unknownRecordGrace()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.claimLease()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.email().configurationSet()).isEmpty();
    assertThat(config.email().pipelineName()).isEqualTo("notification-created-email");
    assertThat(config.suppressionRefresh()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void theRateShareDefaultsToTheWholeBudget() {
    Map<String, String> env = minimal();
    env.put("SES_MAX_SEND_RATE", "14");
    assertThat(WorkerConfig.fromEnvironment(env).email().rateShare()).isEqualTo(14.0);

    env.put("SES_RATE_SHARE", "4");
    env.put("UNKNOWN_RECORD_GRACE_SECONDS", "5");
    env.put("CLAIM_LEASE_SECONDS", "3");
    WorkerConfig config = WorkerConfig.fromEnvironment(env);
    assertThat(config.email().maxSendRate()).isEqualTo(14.0);
    assertThat(config.email().rateShare()).isEqualTo(4.0);
    assertThat(config.unknownRecordGrace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.claimLease()).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void readsEveryOverride() {
    Map<String, String> env = minimal();
    env.putAll(
        Map.of(
            "REDIS_KEY_PREFIX",
            "prod:",
            "REDIS_TTL_SECONDS",
            "60",
            "PUBSUB_EMULATOR_HOST",
            "localhost:8085",
            "PUBSUB_DEAD_LETTER_TOPIC",
            "notification-dead",
            "MYSQL_POOL_MAX_CONNECTIONS",
            "3",
            "MONGODB_CONNECTION_POOL_SIZE",
            "4",
            "AWS_ENDPOINT_URL_SESV2",
            "http://localhost:8005",
            "AWS_ACCESS_KEY_ID",
            "AKIA",
            "AWS_SECRET_ACCESS_KEY",
            "shh",
            "LOG_LEVEL",
            "debug"));

    WorkerConfig config = WorkerConfig.fromEnvironment(env);

    assertThat(config.cache().keyPrefix()).isEqualTo("prod:");
    assertThat(config.cache().ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.pubsub().emulatorHost()).contains("localhost:8085");
    assertThat(config.pubsub().deadLetterTopic()).contains("notification-dead");
    assertThat(config.mysql().maxPoolSize()).isEqualTo(3);
    assertThat(config.mongo().poolSize()).isEqualTo(4);
    assertThat(config.email().endpoint())
        .hasValueSatisfying(uri -> assertThat(uri.getPort()).isEqualTo(8005));
    assertThat(config.email().staticKeys()).isPresent();
    assertThat(config.logLevel()).isEqualTo(WorkerConfig.LogLevel.DEBUG);
  }

  @Test
  void theHttpServerMayListenOnOneAddress() throws Exception {
    Map<String, String> env = minimal();
    env.put("HTTP_BIND_ADDRESS", "127.0.0.7");
    assertThat(WorkerConfig.fromEnvironment(env).httpBindAddress())
        .contains(java.net.InetAddress.getByName("127.0.0.7"));
    env.put("HTTP_BIND_ADDRESS", "::1");
    assertThat(WorkerConfig.fromEnvironment(env).httpBindAddress())
        .contains(java.net.InetAddress.getByName("::1"));
  }

  @Test
  void fallsBackToTheGenericAwsEndpoint() {
    Map<String, String> env = minimal();
    env.put("AWS_ENDPOINT_URL", "http://localhost:4566");
    assertThat(WorkerConfig.fromEnvironment(env).email().endpoint())
        .hasValueSatisfying(uri -> assertThat(uri.getPort()).isEqualTo(4566));
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
    "MYSQL_PORT, abc, MYSQL_PORT: must be a whole number (got 'abc')",
    "MYSQL_PORT, 70000, MYSQL_PORT: must be between 1 and 65535 (got '70000')",
    "REDIS_TTL_SECONDS, 0, REDIS_TTL_SECONDS: must be between",
    "REDIS_URL, http://cache:6379, REDIS_URL: must be a URL with scheme",
    "GOOGLE_CLOUD_PROJECT, p1, GOOGLE_CLOUD_PROJECT: must be 6 to 30",
    "PUBSUB_EMULATOR_HOST, localhost, PUBSUB_EMULATOR_HOST: must be host:port",
    "AWS_REGION, Ireland, AWS_REGION: must be an AWS region",
    "AWS_SES_FROM_ADDRESS, nobody, AWS_SES_FROM_ADDRESS: must be an email address",
    "LOG_LEVEL, loud, LOG_LEVEL: must be one of",
    "MONGODB_URL, mongodb://mongo:27017, MONGODB_URL: must name the database",
    "AWS_ROLE_ARN, ses-role, AWS_ROLE_ARN: must be an IAM role ARN",
    "HTTP_PORT, -1, HTTP_PORT: must be between",
    "HTTP_BIND_ADDRESS, 127.0.0.300, HTTP_BIND_ADDRESS: must be an IP address (got '127.0.0.300')",
    "HTTP_BIND_ADDRESS, worker.local, HTTP_BIND_ADDRESS: must be an IP address (got 'worker.local')",
    "HTTP_BIND_ADDRESS, ::1::2, HTTP_BIND_ADDRESS: must be an IP address (got '::1::2')",
    "SES_RATE_SHARE, fast, SES_RATE_SHARE: must be a number (got 'fast')",
    "SES_RATE_SHARE, -1, SES_RATE_SHARE: must be a number of at least 0.0",
    "UNKNOWN_RECORD_GRACE_SECONDS, 9999, UNKNOWN_RECORD_GRACE_SECONDS: must be between 0 and 3600",
    "CLAIM_LEASE_SECONDS, 1, CLAIM_LEASE_SECONDS: must be between 3 and 600",
    "AWS_SES_CONFIGURATION_SET, my set, AWS_SES_CONFIGURATION_SET: must be 1 to 64 letters",
    "SUPPRESSION_REFRESH_SECONDS, 0, SUPPRESSION_REFRESH_SECONDS: must be between 1 and 600",
    "EMAIL_TEMPLATES_SOURCE, configmap, EMAIL_TEMPLATES_SOURCE: must be one of [local, ses]",
    "SES_TEMPLATE_PREFIX, acme-, SES_TEMPLATE_PREFIX: is only read with EMAIL_TEMPLATES_SOURCE=ses",
    "REPUTATION_GUARD_MAX_BOUNCE_RATE, 0.2, REPUTATION_GUARD_MAX_BOUNCE_RATE: must be above 0 and below 0.1",
    "REPUTATION_GUARD_MAX_COMPLAINT_RATE, 0, REPUTATION_GUARD_MAX_COMPLAINT_RATE: must be above 0 and below 0.005",
    "REPUTATION_GUARD_MAX_BOUNCE_RATE, 0.05, REPUTATION_GUARD_MAX_BOUNCE_RATE: needs AWS_SES_FEEDBACK_QUEUE_URL",
  })
  void aBadValueNamesTheVariable(String variable, String value, String expected) {
    Map<String, String> env = minimal();
    env.put(variable, value);

    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(expected)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @ParameterizedTest
  @CsvSource({
    "REDIS_URL",
    "MYSQL_HOST",
    "MYSQL_USER",
    "MYSQL_PASSWORD",
    "MYSQL_DATABASE",
    "MONGODB_URL",
    "GOOGLE_CLOUD_PROJECT",
    "AWS_REGION",
    "AWS_SES_FROM_ADDRESS"
  })
  void aMissingRequiredVariableIsNamed(String variable) {
    Map<String, String> env = minimal();
    env.remove(variable);

    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .hasMessage(variable + ": is required but not set");
  }

  @Test
  void sesStoredTemplatesTakeAPrefixAndNoDirectory() {
    Map<String, String> env = minimal();
    env.put("EMAIL_TEMPLATES_SOURCE", "ses");
    env.put("SES_TEMPLATE_PREFIX", "acme-");
    assertThat(WorkerConfig.fromEnvironment(env).templates())
        .isEqualTo(new TemplateSettings(TemplateSettings.Source.SES, Optional.empty(), "acme-"));

    env.put("SES_TEMPLATE_PREFIX", "acme.");
    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .hasMessage("SES_TEMPLATE_PREFIX: must be 1 to 63 letters, digits, _ or - (got 'acme.')");
    env.remove("SES_TEMPLATE_PREFIX");
    env.put("EMAIL_TEMPLATES_DIR", "/etc/notify/email-templates");
    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .hasMessageStartingWith(
            "EMAIL_TEMPLATES_DIR: must not be set with EMAIL_TEMPLATES_SOURCE=ses");
  }

  @Test
  void halfAKeyPairIsRejected() {
    Map<String, String> env = minimal();
    env.put("AWS_ACCESS_KEY_ID", "AKIA");
    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .hasMessage("AWS_SECRET_ACCESS_KEY: must be set together with AWS_ACCESS_KEY_ID");
  }

  @Test
  void secretsNeverAppearInErrorsOrToString() {
    Map<String, String> env = minimal();
    env.put("MONGODB_URL", "mongodb://u:s3cr3t-mongo@");
    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));

    env.put("MONGODB_URL", "mongodb://u:s3cr3t-mongo@mongo:27017/notifications");
    env.put("REDIS_URL", "ftp://:s3cr3t-redis@cache");
    assertThatThrownBy(() -> WorkerConfig.fromEnvironment(env))
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cr3t"));

    env.put("REDIS_URL", "redis://cache:6379");
    env.put("REDIS_PASSWORD", "s3cr3t-redis");
    env.put("AWS_ACCESS_KEY_ID", "AKIAs3cr3t");
    env.put("AWS_SECRET_ACCESS_KEY", "s3cr3t-aws");
    assertThat(WorkerConfig.fromEnvironment(env).toString()).doesNotContain("s3cr3t");
  }
}
