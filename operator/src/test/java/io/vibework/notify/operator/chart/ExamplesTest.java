package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.reconciler.PipelineInputs;
import io.vibework.notify.operator.reconciler.PipelineInputsResolver;
import io.vibework.notify.operator.validation.SpecValidator;
import io.vibework.notify.templates.TemplateSet;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * examples/ is what a user applies first: every document parses, the custom resources validate
 * against the CRDs in crds/ (structure, types, required, enums, patterns, bounds), deserialize into
 * the operator's model with no unknown field, pass its SpecValidator, and resolve (CacheConfig and
 * every Secret key they name exist in the examples) the way the reconciler resolves them.
 */
class ExamplesTest {

  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private static final String DEMO = "notify-demo";

  private static final Map<String, HasMetadata> byKindAndName = new LinkedHashMap<>();
  private static final List<String> fileOrder = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    Path dir = Chart.repoRoot().resolve("examples");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file :
          files
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .sorted()
              .toList()) {
        fileOrder.add(file.getFileName().toString());
        for (HasMetadata o : Chart.parse(Files.readString(file))) {
          assertThat(byKindAndName.put(o.getKind() + "/" + o.getMetadata().getName(), o))
              .as("duplicate %s", o)
              .isNull();
        }
      }
    }
  }

  @Test
  void theSetIsCompleteAndAppliesInOrder() {
    assertThat(fileOrder)
        .as("numbered so kubectl apply -f examples/ applies them in order")
        .allMatch(f -> f.matches("^[0-9]{2}-[a-z-]+\\.yaml$"))
        .isSorted();
    assertThat(byKindAndName.keySet())
        .containsExactlyInAnyOrder(
            "Namespace/notify-demo",
            "Secret/redis-auth",
            "Secret/mysql-credentials",
            "Secret/ses-credentials",
            "Secret/mongodb-url",
            "CacheConfig/shared-cache",
            "NotificationPipeline/email");
    assertThat(byKindAndName.get("Namespace/notify-demo")).isInstanceOf(Namespace.class);
    byKindAndName.values().stream()
        .filter(o -> !(o instanceof Namespace))
        .forEach(
            o ->
                assertThat(o.getMetadata().getNamespace())
                    .as("namespace of %s", o.getKind())
                    .isEqualTo(DEMO));
    // Which file holds what: the namespace comes before anything in it, Secrets and the CacheConfig
    // before the pipeline.
    assertThat(fileOrder)
        .containsExactly(
            "00-namespace.yaml", "10-secrets.yaml", "20-cacheconfig.yaml", "30-pipeline.yaml");
  }

  @Test
  void customResourcesValidateAgainstTheCrds() throws IOException {
    for (String kind : List.of("CacheConfig", "NotificationPipeline")) {
      CustomResourceDefinition crd = crd(kind);
      var version = crd.getSpec().getVersions().get(0);
      HasMetadata o = resource(kind);
      assertThat(o.getApiVersion()).isEqualTo(crd.getSpec().getGroup() + "/" + version.getName());
      JsonNode tree = STRICT.readTree(Chart.SERIALIZATION.asJson(o));
      List<String> problems = new ArrayList<>();
      validate(
          version.getSchema().getOpenAPIV3Schema().getProperties().get("spec"),
          tree.get("spec"),
          "spec",
          problems);
      assertThat(problems).as("%s against its CRD", kind).isEmpty();
    }
  }

  @Test
  void customResourcesMatchTheOperatorsModelAndPassItsValidation() throws IOException {
    CacheConfig cache =
        STRICT.readValue(Chart.SERIALIZATION.asJson(resource("CacheConfig")), CacheConfig.class);
    NotificationPipeline pipeline =
        STRICT.readValue(
            Chart.SERIALIZATION.asJson(resource("NotificationPipeline")),
            NotificationPipeline.class);
    assertThat(pipeline.getSpec().resources().getAdditionalProperties())
        .as("unknown fields in spec.resources")
        .isEmpty();
    SpecValidator.validateCache(cache.getSpec());
    SpecValidator.validatePipeline(pipeline.getMetadata().getName(), pipeline.getSpec());

    // What the reconciler does before touching anything: find the CacheConfig and every Secret key.
    PipelineInputs inputs =
        new PipelineInputsResolver(
                (ns, name) ->
                    Optional.of(cache)
                        .filter(
                            c ->
                                c.getMetadata().getName().equals(name)
                                    && c.getMetadata().getNamespace().equals(ns)),
                (ns, name) ->
                    Optional.ofNullable((Secret) byKindAndName.get("Secret/" + name))
                        .filter(s -> s.getMetadata().getNamespace().equals(ns))
                        .map(ExamplesTest::asStoredByTheApiServer),
                (ns, name) ->
                    Optional.ofNullable((ConfigMap) byKindAndName.get("ConfigMap/" + name))
                        .filter(c -> c.getMetadata().getNamespace().equals(ns)))
            .resolve(pipeline);
    assertThat(inputs.cacheConfigName()).isEqualTo("shared-cache");
    assertThat(inputs.inputsHash()).isNotBlank();
    // The workers would be pointed at the in-cluster services in the example.
    Map<String, String> env = WorkerObjects.workerEnvironment(pipeline, cache.getSpec());
    assertThat(env)
        .containsEntry("REDIS_URL", "redis://redis.notify-demo.svc.cluster.local:6379")
        .containsEntry("MYSQL_HOST", "mysql.notify-demo.svc.cluster.local")
        .containsEntry("PUBSUB_EMULATOR_HOST", "pubsub-emulator.notify-demo.svc.cluster.local:8085")
        .containsEntry("AWS_ENDPOINT_URL_SESV2", "http://ses.notify-demo.svc.cluster.local:8005");
    Secret mongo = (Secret) byKindAndName.get("Secret/mongodb-url");
    assertThat(mongo.getStringData().get("url"))
        .startsWith("mongodb://mongodb.notify-demo.svc.cluster.local");
  }

  /**
   * examples/cloud/ (autoscaling, workload identity) are for a real cluster, so the demo does not
   * apply them; they still validate against the CRD and the operator's model.
   */
  @Test
  void cloudExamplesValidateAndSayWhatTheyShow() throws Exception {
    Map<String, HasMetadata> cloud = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(Chart.repoRoot().resolve("examples/cloud"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        for (HasMetadata o : Chart.parse(Files.readString(file))) {
          cloud.put(o.getKind() + "/" + o.getMetadata().getName(), o);
        }
      }
    }
    assertThat(cloud)
        .containsKeys(
            "NotificationPipeline/orders-autoscaled",
            "NotificationPipeline/orders-identity",
            "ServiceAccount/notify-worker",
            "Secret/pubsub-key",
            "ConfigMap/email-templates",
            "NotificationPipeline/email-branded",
            "NotificationPipeline/email-ses-templates");
    var version = crd("NotificationPipeline").getSpec().getVersions().get(0);
    for (HasMetadata o : cloud.values()) {
      assertThat(o.getMetadata().getNamespace()).isEqualTo(DEMO);
      if (!o.getKind().equals("NotificationPipeline")) {
        continue;
      }
      JsonNode tree = STRICT.readTree(Chart.SERIALIZATION.asJson(o));
      List<String> problems = new ArrayList<>();
      validate(
          version.getSchema().getOpenAPIV3Schema().getProperties().get("spec"),
          tree.get("spec"),
          "spec",
          problems);
      assertThat(problems).as("%s against its CRD", o.getMetadata().getName()).isEmpty();
      NotificationPipeline p =
          STRICT.readValue(Chart.SERIALIZATION.asJson(o), NotificationPipeline.class);
      SpecValidator.validatePipeline(p.getMetadata().getName(), p.getSpec());
    }
    NotificationPipeline scaled =
        STRICT.readValue(
            Chart.SERIALIZATION.asJson(cloud.get("NotificationPipeline/orders-autoscaled")),
            NotificationPipeline.class);
    assertThat(scaled.getSpec().autoscaling()).isNotNull();
    assertThat(scaled.getSpec().replicas()).as("KEDA owns spec.replicas").isNull();
    NotificationPipeline branded =
        STRICT.readValue(
            Chart.SERIALIZATION.asJson(cloud.get("NotificationPipeline/email-branded")),
            NotificationPipeline.class);
    assertThat(branded.getSpec().email().templates().configMapRef().name())
        .isEqualTo("email-templates");
    Map<String, String> templates = ((ConfigMap) cloud.get("ConfigMap/email-templates")).getData();
    assertThat(
            TemplateSet.compile(templates)
                .render("welcome", Map.of("name", "Ada", "recipient", "ada@example.com"))
                .subject())
        .as("the example's templates compile and render")
        .isEqualTo("Welcome to VibeWork, Ada");
    NotificationPipeline identity =
        STRICT.readValue(
            Chart.SERIALIZATION.asJson(cloud.get("NotificationPipeline/orders-identity")),
            NotificationPipeline.class);
    assertThat(identity.getSpec().serviceAccountName()).isEqualTo("notify-worker");
    assertThat(identity.getSpec().pubsub().credentialsSecretRef()).isNull();
    assertThat(identity.getSpec().email().credentialsSecretRef()).isNull();
    assertThat(cloud.get("ServiceAccount/notify-worker").getMetadata().getAnnotations())
        .containsKey("iam.gke.io/gcp-service-account");
  }

  @Test
  void secretsHoldPlaceholdersOnly() {
    byKindAndName.values().stream()
        .filter(Secret.class::isInstance)
        .map(Secret.class::cast)
        .forEach(
            s -> {
              assertThat(s.getData())
                  .as("use stringData so the placeholders are readable")
                  .isNullOrEmpty();
              assertThat(s.getType()).isEqualTo("Opaque");
            });
    assertThat(((Secret) byKindAndName.get("Secret/redis-auth")).getStringData())
        .containsOnlyKeys("password");
    assertThat(((Secret) byKindAndName.get("Secret/mysql-credentials")).getStringData())
        .containsOnlyKeys("username", "password");
    assertThat(((Secret) byKindAndName.get("Secret/ses-credentials")).getStringData())
        .containsOnlyKeys("accessKeyId", "secretAccessKey");
    assertThat(((Secret) byKindAndName.get("Secret/mongodb-url")).getStringData())
        .containsOnlyKeys("url");
  }

  private static HasMetadata resource(String kind) {
    return byKindAndName.values().stream()
        .filter(o -> o.getKind().equals(kind))
        .findFirst()
        .orElseThrow();
  }

  /** The API server turns stringData into data on write; the operator's informers see data. */
  private static Secret asStoredByTheApiServer(Secret s) {
    Map<String, String> data = new LinkedHashMap<>();
    s.getStringData()
        .forEach(
            (k, v) ->
                data.put(
                    k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    Secret stored = Chart.SERIALIZATION.clone(s);
    stored.setStringData(null);
    stored.setData(data);
    return stored;
  }

  private static CustomResourceDefinition crd(String kind) throws IOException {
    try (Stream<Path> files = Files.list(Chart.repoRoot().resolve("crds"))) {
      for (Path f : files.toList()) {
        CustomResourceDefinition crd =
            Chart.SERIALIZATION.unmarshal(Files.readString(f), CustomResourceDefinition.class);
        if (crd.getSpec().getNames().getKind().equals(kind)) {
          return crd;
        }
      }
    }
    throw new AssertionError("no CRD for " + kind);
  }

  /**
   * The structural part of OpenAPI v3 validation the API server applies (CEL rules are left to
   * SpecValidator).
   */
  private static void validate(
      JSONSchemaProps schema, JsonNode value, String path, List<String> problems) {
    if (Boolean.TRUE.equals(schema.getXKubernetesPreserveUnknownFields())) {
      return;
    }
    if (Boolean.TRUE.equals(schema.getXKubernetesIntOrString())) {
      if (!value.isTextual() && !value.isIntegralNumber()) {
        problems.add(path + ": must be an integer or a string");
      }
      return;
    }
    String type = schema.getType();
    if (type != null) {
      boolean ok =
          switch (type) {
            case "object" -> value.isObject();
            case "array" -> value.isArray();
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            default -> false;
          };
      if (!ok) {
        problems.add(path + ": must be " + type + ", is " + value.getNodeType());
        return;
      }
    }
    if (schema.getEnum() != null
        && !schema.getEnum().isEmpty()
        && schema.getEnum().stream().noneMatch(e -> e.toString().equals(value.toString()))) {
      problems.add(path + ": " + value + " is not one of " + schema.getEnum());
    }
    if (schema.getPattern() != null
        && value.isTextual()
        && !Pattern.compile(schema.getPattern()).matcher(value.asText()).find()) {
      problems.add(path + ": '" + value.asText() + "' does not match " + schema.getPattern());
    }
    if (schema.getMinimum() != null
        && value.isNumber()
        && value.decimalValue().compareTo(BigDecimal.valueOf(schema.getMinimum())) < 0) {
      problems.add(path + ": below " + schema.getMinimum());
    }
    if (schema.getMaximum() != null
        && value.isNumber()
        && value.decimalValue().compareTo(BigDecimal.valueOf(schema.getMaximum())) > 0) {
      problems.add(path + ": above " + schema.getMaximum());
    }
    if (value.isObject()) {
      if (schema.getRequired() != null) {
        for (String required : schema.getRequired()) {
          if (!value.has(required)) {
            problems.add(path + "." + required + ": required");
          }
        }
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JSONSchemaProps child =
            schema.getProperties() == null ? null : schema.getProperties().get(field.getKey());
        if (child == null
            && schema.getAdditionalProperties() != null
            && schema.getAdditionalProperties().getSchema() != null) {
          child = schema.getAdditionalProperties().getSchema();
        }
        if (child == null) {
          problems.add(
              path + "." + field.getKey() + ": unknown field (the API server would prune it)");
        } else {
          validate(child, field.getValue(), path + "." + field.getKey(), problems);
        }
      }
    }
    if (value.isArray() && schema.getItems() != null && schema.getItems().getSchema() != null) {
      for (int i = 0; i < value.size(); i++) {
        validate(schema.getItems().getSchema(), value.get(i), path + "[" + i + "]", problems);
      }
    }
  }
}
