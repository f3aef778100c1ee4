package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.LogLevel;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.ReputationGuardSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.validation.InvalidSpecException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PipelineInputsResolverTest {

  private final Map<String, CacheConfig> caches = new HashMap<>();
  private final Map<String, Secret> secrets = new HashMap<>();
  private final Map<String, ConfigMap> configMaps = new HashMap<>();
  private final PipelineInputsResolver resolver =
      new PipelineInputsResolver(
          (ns, n) -> Optional.ofNullable(caches.get(n)),
          (ns, n) -> Optional.ofNullable(secrets.get(n)),
          (ns, n) -> Optional.ofNullable(configMaps.get(n)));

  @BeforeEach
  void everythingPresent() {
    caches.put("cache", Fixtures.cacheConfig("ns", "cache", "redis://redis:6379", true));
    for (Secret s :
        new Secret[] {
          Fixtures.redisSecret("ns"),
          Fixtures.mysqlSecret("ns"),
          Fixtures.mongoSecret("ns"),
          Fixtures.awsSecret("ns"),
          Fixtures.pubsubSecret("ns")
        }) {
      secrets.put(s.getMetadata().getName(), s);
    }
  }

  private NotificationPipeline pipeline() {
    return Fixtures.pipeline("ns", "p", "cache", 2);
  }

  @Test
  void hashIsStableAndFollowsEveryInput() {
    String h = resolver.resolve(pipeline()).inputsHash();
    assertThat(resolver.resolve(pipeline()).inputsHash())
        .isEqualTo(h)
        .hasSize(64)
        .doesNotContain(Fixtures.REDIS_PASSWORD);

    secrets.put("redis-auth", Fixtures.secret("ns", "redis-auth", Map.of("password", "other")));
    String afterSecret = resolver.resolve(pipeline()).inputsHash();
    assertThat(afterSecret).isNotEqualTo(h);

    caches.put("cache", Fixtures.cacheConfig("ns", "cache", "redis://redis:6380", true));
    assertThat(resolver.resolve(pipeline()).inputsHash()).isNotEqualTo(afterSecret);

    NotificationPipeline debug =
        new NotificationPipeline(
            "ns", "p", Fixtures.specBuilder("cache", 2).logLevel(LogLevel.DEBUG).build());
    assertThat(resolver.resolve(debug).inputsHash())
        .isNotEqualTo(resolver.resolve(pipeline()).inputsHash());
  }

  private NotificationPipeline withTemplates(String configMap) {
    NotificationPipeline p = pipeline();
    p.setSpec(
        SpecBuilders.pipeline(p.getSpec())
            .email(SpecBuilders.email(p.getSpec().email()).templatesConfigMap(configMap).build())
            .build());
    return p;
  }

  private void templates(String name, Map<String, String> data) {
    configMaps.put(
        name,
        new ConfigMapBuilder()
            .withNewMetadata()
            .withNamespace("ns")
            .withName(name)
            .endMetadata()
            .withData(data)
            .build());
  }

  @Test
  void aChangedTemplatesConfigMapChangesTheHashAndTheWorkersReadItFromTheirMount() {
    templates("emails", Map.of("welcome.subject", "Hi", "welcome.html", "<p>Hi {{name}}</p>"));
    String h = resolver.resolve(withTemplates("emails")).inputsHash();
    assertThat(h).isNotEqualTo(resolver.resolve(pipeline()).inputsHash());

    templates("emails", Map.of("welcome.subject", "Hello", "welcome.html", "<p>Hi {{name}}</p>"));
    PipelineInputs changed = resolver.resolve(withTemplates("emails"));
    assertThat(changed.inputsHash()).isNotEqualTo(h);

    var pod =
        WorkerObjects.deployment(withTemplates("emails"), changed)
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(pod.getVolumes())
        .extracting(v -> v.getConfigMap() == null ? null : v.getConfigMap().getName())
        .contains("emails");
    assertThat(pod.getContainers().get(0).getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo(WorkerObjects.TEMPLATES_MOUNT));
    assertThat(WorkerObjects.workerEnvironment(withTemplates("emails"), changed.cache()))
        .containsEntry("EMAIL_TEMPLATES_DIR", WorkerObjects.TEMPLATES_MOUNT);
    assertThat(WorkerObjects.workerEnvironment(pipeline(), changed.cache()))
        .doesNotContainKey("EMAIL_TEMPLATES_DIR");
  }

  @Test
  void sesStoredTemplatesReachTheWorkersAsTheirSourceAndPrefixWithNothingMounted() {
    NotificationPipeline p = pipeline();
    p.setSpec(
        SpecBuilders.pipeline(p.getSpec())
            .email(SpecBuilders.email(p.getSpec().email()).sesTemplates("acme-").build())
            .build());
    PipelineInputs inputs = resolver.resolve(p);

    assertThat(inputs.inputsHash()).isNotEqualTo(resolver.resolve(pipeline()).inputsHash());
    assertThat(WorkerObjects.workerEnvironment(p, inputs.cache()))
        .containsEntry("EMAIL_TEMPLATES_SOURCE", "ses")
        .containsEntry("SES_TEMPLATE_PREFIX", "acme-")
        .doesNotContainKey("EMAIL_TEMPLATES_DIR");
    assertThat(WorkerObjects.deployment(p, inputs).getSpec().getTemplate().getSpec().getVolumes())
        .noneSatisfy(v -> assertThat(v.getName()).isEqualTo("email-templates"));
  }

  @Test
  void theReputationGuardReachesTheWorkersAndItsLiftAnnotationChangesThePodTemplate() {
    NotificationPipeline p = pipeline();
    p.setSpec(
        SpecBuilders.pipeline(p.getSpec())
            .email(
                SpecBuilders.email(p.getSpec().email())
                    .feedbackQueueUrl("http://sqs.local/q")
                    .reputationGuard(new ReputationGuardSpec(true, null, 0.003, null))
                    .build())
            .build());
    PipelineInputs inputs = resolver.resolve(p);
    assertThat(WorkerObjects.workerEnvironment(p, inputs.cache()))
        .containsEntry("REPUTATION_GUARD_MAX_BOUNCE_RATE", "0.08")
        .containsEntry("REPUTATION_GUARD_MAX_COMPLAINT_RATE", "0.003")
        .containsEntry("REPUTATION_GUARD_MIN_SENDS", "200")
        .doesNotContainKey("REPUTATION_GUARD_LIFTED_AT");
    var before = WorkerObjects.deployment(p, inputs).getSpec().getTemplate();

    p.getMetadata()
        .setAnnotations(Map.of(ReputationGuardSpec.LIFTED_AT_ANNOTATION, "2030-01-01T00:00:00Z"));
    assertThat(WorkerObjects.workerEnvironment(p, inputs.cache()))
        .containsEntry("REPUTATION_GUARD_LIFTED_AT", "2030-01-01T00:00:00Z");
    // The variable reaches the pods through their ConfigMap: the hash is what rolls them.
    PipelineInputs lifted = resolver.resolve(p);
    assertThat(lifted.inputsHash()).isNotEqualTo(inputs.inputsHash());
    assertThat(WorkerObjects.deployment(p, lifted).getSpec().getTemplate()).isNotEqualTo(before);

    assertThat(WorkerObjects.workerEnvironment(pipeline(), inputs.cache()))
        .doesNotContainKey("REPUTATION_GUARD_MAX_BOUNCE_RATE");
  }

  @Test
  void aTemplateThatDoesNotCompileIsInvalidTemplateNamingKeyAndLine() {
    templates("emails", Map.of("welcome.subject", "Hi", "welcome.html", "<p>\n{{#x}}\n</p>"));

    assertThatThrownBy(() -> resolver.resolve(withTemplates("emails")))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("InvalidTemplate");
              assertThat(e.getMessage())
                  .contains("ConfigMap 'emails'")
                  .contains("welcome.html line ")
                  .contains("keep their current templates");
            });
    assertThatThrownBy(() -> resolver.resolve(withTemplates("nope")))
        .isInstanceOfSatisfying(
            InvalidSpecException.class, e -> assertThat(e.reason()).isEqualTo("ConfigMapNotFound"));
  }

  @Test
  void replicasDoNotReachThePodSoScalingKeepsTheHash() {
    NotificationPipeline three = Fixtures.pipeline("ns", "p", "cache", 3);
    assertThat(resolver.resolve(three).inputsHash())
        .isEqualTo(resolver.resolve(pipeline()).inputsHash());
  }

  @Test
  void autoscalingBoundsDoNotReachThePodSoTuningThemKeepsTheHash() {
    NotificationPipeline autoscaled = pipeline();
    autoscaled.setSpec(
        SpecBuilders.pipeline(autoscaled.getSpec())
            .autoscaling(SpecBuilders.autoscaling().minReplicas(1).maxReplicas(9).build())
            .build());
    assertThat(resolver.resolve(autoscaled).inputsHash())
        .isEqualTo(resolver.resolve(pipeline()).inputsHash());
  }

  @Test
  void keysNobodyReadsDoNotChangeTheHash() {
    String h = resolver.resolve(pipeline()).inputsHash();
    secrets.put(
        "mysql-creds",
        Fixtures.secret(
            "ns",
            "mysql-creds",
            Map.of(
                "username",
                Fixtures.MYSQL_USER,
                "password",
                Fixtures.MYSQL_PASSWORD,
                "note",
                "x")));
    assertThat(resolver.resolve(pipeline()).inputsHash()).isEqualTo(h);
  }

  @Test
  void missingThingsAreNamedWithTheirReason() {
    caches.clear();
    assertThatThrownBy(() -> resolver.resolve(pipeline()))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> assertThat(e.reason()).isEqualTo(InvalidSpecException.CACHE_CONFIG_NOT_FOUND));
    everythingPresent();
    secrets.remove("mongo-url");
    assertThatThrownBy(() -> resolver.resolve(pipeline()))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(InvalidSpecException.SECRET_NOT_FOUND);
              assertThat(e.getMessage())
                  .contains("mongo-url")
                  .contains("spec.mongodb.urlSecretRef");
            });
    everythingPresent();
    secrets.put("aws-creds", Fixtures.secret("ns", "aws-creds", Map.of("accessKeyId", "x")));
    assertThatThrownBy(() -> resolver.resolve(pipeline()))
        .isInstanceOfSatisfying(
            InvalidSpecException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(InvalidSpecException.SECRET_KEY_NOT_FOUND);
              assertThat(e.getMessage()).contains("secretAccessKey").doesNotContain("x'");
            });
  }
}
