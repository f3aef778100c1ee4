package io.vibework.notify.operator.validation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.EmailSpec;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.SecretRef;
import org.junit.jupiter.api.Test;

class SpecValidatorTest {

  @Test
  void theFixtureIsValid() {
    assertThatCode(() -> SpecValidator.validatePipeline("orders", Fixtures.spec("cache", 2)))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                SpecValidator.validateCache(
                    Fixtures.cacheConfig("n", "c", "rediss://r:6380", true).getSpec()))
        .doesNotThrowAnyException();
  }

  @Test
  void requestsAboveLimitsAreCaught() {
    NotificationPipelineSpec s = Fixtures.spec("cache", 1);
    NotificationPipelineSpec bad =
        new NotificationPipelineSpec(
            s.image(),
            1,
            new ResourceRequirementsBuilder()
                .addToRequests("memory", new Quantity("1Gi"))
                .addToLimits("memory", new Quantity("512Mi"))
                .build(),
            s.logLevel(),
            s.cacheRef(),
            s.pubsub(),
            s.email(),
            s.mysql(),
            s.mongodb());
    assertThatThrownBy(() -> SpecValidator.validatePipeline("orders", bad))
        .hasMessageContaining("requests.memory");
  }

  @Test
  void crossFieldRulesHoldWithoutCel() {
    NotificationPipelineSpec s = Fixtures.spec("cache", 1);
    EmailSpec both =
        new EmailSpec(
            "eu-west-1",
            "a@b.io",
            null,
            new SecretRef("aws"),
            "arn:aws:iam::123456789012:role/x",
            null,
            null);
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    new NotificationPipelineSpec(
                        s.image(),
                        1,
                        null,
                        null,
                        s.cacheRef(),
                        s.pubsub(),
                        both,
                        s.mysql(),
                        s.mongodb())))
        .hasMessageContaining("not both");
    assertThatThrownBy(() -> SpecValidator.validatePipeline("9lives", s))
        .hasMessageContaining("metadata.name");
  }

  @Test
  void aPasswordInTheRedisUrlIsRefused() {
    assertThatThrownBy(
            () ->
                SpecValidator.validateCache(
                    new CacheConfigSpec("redis://:hunter2@r:6379", null, null, null, null)))
        .hasMessageContaining("passwordSecretRef")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                SpecValidator.validateCache(
                    new CacheConfigSpec("rediss://r:6379", null, null, null, false)))
        .hasMessageContaining("tls");
  }
}
