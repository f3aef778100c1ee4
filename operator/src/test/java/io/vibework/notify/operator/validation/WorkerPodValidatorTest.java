package io.vibework.notify.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.AutoscalerAuthentication;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerPodValidatorTest {

  private final NotificationPipelineSpec base = Fixtures.spec("cache", 2);

  @Test
  void extraEnvNamingAManagedVariableIsABadSpecNamingIt() {
    NotificationPipelineSpec clash =
        SpecBuilders.pipeline(base)
            .extraEnv(
                List.of(
                    new EnvVarBuilder().withName("JAVA_TOOL_OPTIONS").withValue("-Xss1m").build(),
                    new EnvVarBuilder().withName("MYSQL_PASSWORD").withValue("x").build()))
            .build();
    assertThatThrownBy(() -> SpecValidator.validatePipeline("orders", clash))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidSpecException.INVALID_SPEC))
        .hasMessageContaining("spec.extraEnv sets MYSQL_PASSWORD")
        .hasMessageNotContaining("JAVA_TOOL_OPTIONS");
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .extraEnv(
                            List.of(
                                new EnvVarBuilder()
                                    .withName("SHUTDOWN_GRACE_SECONDS")
                                    .withValue("99")
                                    .build()))
                        .build()))
        .hasMessageContaining("SHUTDOWN_GRACE_SECONDS");
  }

  @Test
  void managedLabelsAndAnnotationsCannotBeSet() {
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .podLabels(Map.of("app.kubernetes.io/name", "x"))
                        .build()))
        .hasMessageContaining("spec.podLabels sets app.kubernetes.io/name");
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .podAnnotations(Map.of("prometheus.io/scrape", "false"))
                        .build()))
        .hasMessageContaining("spec.podAnnotations sets prometheus.io/scrape");
    assertThatCode(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .podLabels(Map.of("team", "growth"))
                        .podAnnotations(Map.of("team", "growth"))
                        .build()))
        .doesNotThrowAnyException();
  }

  @Test
  void autoscalingRulesHoldWithoutCel() {
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .autoscaling(
                            SpecBuilders.autoscaling().minReplicas(5).maxReplicas(2).build())
                        .build()))
        .hasMessageContaining("minReplicas must not be above");
    assertThatThrownBy(
            () ->
                SpecValidator.validatePipeline(
                    "orders",
                    SpecBuilders.pipeline(base)
                        .autoscaling(SpecBuilders.autoscaling().build())
                        .build()))
        .hasMessageContaining("spec.autoscaling.maxReplicas is required");
    NotificationPipelineSpec noKey =
        SpecBuilders.pipeline(base)
            .pubsub(SpecBuilders.pubsub(base.pubsub()).credentialsSecret(null).build())
            .autoscaling(
                SpecBuilders.autoscaling()
                    .maxReplicas(3)
                    .authentication(AutoscalerAuthentication.CredentialsSecret)
                    .build())
            .build();
    assertThatThrownBy(() -> SpecValidator.validatePipeline("orders", noKey))
        .hasMessageContaining("spec.pubsub.credentialsSecretRef is not set");
    // Without a key Secret the default is KEDA's workload identity.
    assertThat(SpecBuilders.autoscaling().maxReplicas(3).build().authenticationFor(noKey.pubsub()))
        .isEqualTo(AutoscalerAuthentication.WorkloadIdentity);
  }
}
