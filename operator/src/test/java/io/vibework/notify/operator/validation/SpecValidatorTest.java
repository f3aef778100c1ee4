package io.vibework.notify.operator.validation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.EmailSpec;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.SpecBuilders;
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
        SpecBuilders.pipeline(s)
            .resources(
                new ResourceRequirementsBuilder()
                    .addToRequests("memory", new Quantity("1Gi"))
                    .addToLimits("memory", new Quantity("512Mi"))
                    .build())
            .build();
    assertThatThrownBy(() -> SpecValidator.validatePipeline("orders", bad))
        .hasMessageContaining("requests.memory");
  }

  @Test
  void crossFieldRulesHoldWithoutCel() {
    NotificationPipelineSpec s = Fixtures.spec("cache", 1);
    EmailSpec both =
        SpecBuilders.email()
            .region("eu-west-1")
            .fromAddress("a@b.io")
            .credentialsSecret("aws")
            .roleArn("arn:aws:iam::123456789012:role/x")
            .build();
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders", SpecBuilders.pipeline(s).logLevel(null).email(both).build()))
        .hasMessageContaining("not both");
    assertThatThrownBy(() -> SpecValidator.validatePipeline("9lives", s))
        .hasMessageContaining("metadata.name");
  }

  @Test
  void aPasswordInTheRedisUrlIsRefused() {
    assertThatThrownBy(
            () ->
                SpecValidator.validateCache(
                    SpecBuilders.cache().url("redis://:hunter2@r:6379").build()))
        .hasMessageContaining("passwordSecretRef")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                SpecValidator.validateCache(
                    SpecBuilders.cache().url("rediss://r:6379").tls(false).build()))
        .hasMessageContaining("tls");
  }
}
