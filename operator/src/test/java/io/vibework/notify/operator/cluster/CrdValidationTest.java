package io.vibework.notify.operator.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What kube-apiserver itself does with our CRDs: every bound and CEL rule refuses its bad value
 * with a message naming the field and what it must be, and every default is filled in as the README
 * documents. Only the real API server compiles CEL, applies the structural schema and defaults.
 */
class CrdValidationTest {

  @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();

  private static final String NS = "validation";
  private static final String API = "infra.vibework.io/v1alpha1";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Subtrees typed with Kubernetes types: upstream's validation, not ours. */
  private static final Set<String> KUBERNETES_TYPED =
      Set.of(
          "spec.affinity",
          "spec.tolerations",
          "spec.topologySpreadConstraints",
          "spec.resources",
          "spec.extraEnv",
          "spec.imagePullSecrets");

  private static KubernetesClient admin;
  private static final AtomicInteger names = new AtomicInteger();

  @BeforeAll
  static void crds() {
    admin = kube.adminClient();
    Crds.apply(admin);
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
  }

  // ---- bounds: one bad value per minimum, maximum, pattern and enum in the committed schema ----

  @TestFactory
  Stream<DynamicTest> everyBoundRefusesItsBadValueNamingTheFieldAndTheBound() {
    List<DynamicTest> tests = new ArrayList<>();
    for (CustomResourceDefinition crd : Crds.load(admin)) {
      String kind = crd.getSpec().getNames().getKind();
      JsonNode schema =
          JSON.valueToTree(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema());
      for (Bound bound : bounds(schema.path("properties").path("spec"), "spec")) {
        tests.add(
            DynamicTest.dynamicTest(
                kind + " " + bound,
                () -> {
                  ObjectNode object = valid(kind);
                  set(object, bound.path(), bound.badValue());
                  assertRefused(object, bound.path(), bound.expected());
                }));
      }
    }
    assertThat(tests).hasSizeGreaterThan(60);
    return tests.stream();
  }

  record Bound(String path, String keyword, JsonNode badValue, String expected) {
    @Override
    public String toString() {
      return path + " " + keyword + " (" + badValue + ")";
    }
  }

  private static List<Bound> bounds(JsonNode node, String path) {
    List<Bound> out = new ArrayList<>();
    if (KUBERNETES_TYPED.contains(path)) {
      return out;
    }
    if (node.has("minimum")) {
      long min = node.get("minimum").asLong();
      out.add(
          new Bound(
              path,
              "minimum",
              JSON.getNodeFactory().numberNode(min - 1),
              "should be greater than or equal to " + min));
    }
    if (node.has("maximum")) {
      long max = node.get("maximum").asLong();
      out.add(
          new Bound(
              path,
              "maximum",
              JSON.getNodeFactory().numberNode(max + 1),
              "should be less than or equal to " + max));
    }
    if (node.has("pattern")) {
      String pattern = node.get("pattern").asText();
      String bad = "Not Valid!";
      if (Pattern.compile(pattern).matcher(bad).find()) {
        throw new AssertionError(path + ": pick another bad value for " + pattern);
      }
      out.add(
          new Bound(
              path, "pattern", JSON.getNodeFactory().textNode(bad), "should match '" + pattern));
    }
    if (node.has("enum")) {
      out.add(
          new Bound(
              path,
              "enum",
              JSON.getNodeFactory().textNode("Bogus"),
              "supported values: \"" + node.get("enum").get(0).asText() + "\""));
    }
    node.path("properties")
        .properties()
        .forEach(p -> out.addAll(bounds(p.getValue(), path + "." + p.getKey())));
    return out;
  }

  // ---- CEL rules: a table, and a check that it covers every rule in the CRDs ----

  record Rule(String kind, String description, Consumer<ObjectNode> breakIt, String path) {
    @Override
    public String toString() {
      return kind + ": " + description;
    }
  }

  private static final Map<String, Rule> RULES = new LinkedHashMap<>();

  static {
    rule(
        "metadata.name must start with a letter, use only lower-case letters, digits and '-', and"
            + " be at most 56 characters (the worker Service is named <name>-worker)",
        "NotificationPipeline",
        "a name starting with a digit",
        o -> ((ObjectNode) o.get("metadata")).put("name", "1-orders"),
        "<nil>");
    rule(
        "autoscaling.minReplicas must not be above autoscaling.maxReplicas",
        "NotificationPipeline",
        "minReplicas 5 above maxReplicas 2",
        o -> obj(o, "spec", "autoscaling").put("minReplicas", 5).put("maxReplicas", 2),
        "spec.autoscaling");
    rule(
        "set either credentialsSecretRef (static keys) or roleArn (assumed role), not both",
        "NotificationPipeline",
        "static keys and a role",
        o -> obj(o, "spec", "email").put("roleArn", "arn:aws:iam::123456789012:role/notify"),
        "spec.email");
    rule(
        "podSecurity: set platformAssignsIds or runAsUser/runAsGroup/fsGroup, not both",
        "NotificationPipeline",
        "platform ids and our own uid",
        o -> obj(o, "spec", "podSecurity").put("platformAssignsIds", true).put("runAsUser", 1000),
        "spec.podSecurity");
    rule(
        "topic and sentTopic must be different topics",
        "NotificationPipeline",
        "sentTopic equal to topic",
        o -> obj(o, "spec", "pubsub").put("topic", "same").put("sentTopic", "same"),
        "spec.pubsub");
    rule(
        "deadLetterTopic must differ from topic and sentTopic",
        "NotificationPipeline",
        "deadLetterTopic equal to topic",
        o -> obj(o, "spec", "pubsub").put("topic", "created").put("deadLetterTopic", "created"),
        "spec.pubsub");
    rule(
        "minimumBackoff must not be longer than maximumBackoff",
        "NotificationPipeline",
        "a 60 s minimum over a 30 s maximum",
        o ->
            obj(o, "spec", "pubsub")
                .put("provision", true)
                .put("minimumBackoff", "60s")
                .put("maximumBackoff", "30s"),
        "spec.pubsub");
    rule(
        "templates.configMapRef is required unless templates.source is SES",
        "NotificationPipeline",
        "templates without a ConfigMap or SES",
        o -> obj(o, "spec", "email", "templates").remove("configMapRef"),
        "spec.email.templates");
    rule(
        "templates.source SES sends SES's stored templates: remove templates.configMapRef, or set"
            + " source ConfigMap",
        "NotificationPipeline",
        "SES stored templates and a ConfigMap",
        o -> obj(o, "spec", "email", "templates").put("source", "SES"),
        "spec.email.templates");
    rule(
        "templates.templatePrefix names SES stored templates: set templates.source to SES",
        "NotificationPipeline",
        "a template prefix for a ConfigMap set",
        o -> obj(o, "spec", "email", "templates").put("templatePrefix", "acme-"),
        "spec.email.templates");
    rule(
        "reputationGuard needs feedback.queueUrl: without SES's bounce and complaint events there"
            + " is no rate to guard",
        "NotificationPipeline",
        "a guard without feedback",
        o -> obj(o, "spec", "email", "reputationGuard").put("enabled", true),
        "spec.email");
    rule(
        "reputationGuard.maxBounceRate must be above 0 and below 0.1, where SES pauses the"
            + " account (SES reviews it at 0.05)",
        "NotificationPipeline",
        "a bounce limit at SES's pause rate",
        o -> obj(o, "spec", "email", "reputationGuard").put("maxBounceRate", 0.1),
        "spec.email.reputationGuard");
    rule(
        "reputationGuard.maxComplaintRate must be above 0 and below 0.005, where SES pauses the"
            + " account (SES reviews it at 0.001)",
        "NotificationPipeline",
        "a complaint limit of 0",
        o -> obj(o, "spec", "email", "reputationGuard").put("maxComplaintRate", 0),
        "spec.email.reputationGuard");
    rule(
        "a rediss:// url needs TLS: set tls to true or use redis://",
        "CacheConfig",
        "rediss:// with tls false",
        o -> obj(o, "spec").put("url", "rediss://redis.cache:6380").put("tls", false),
        "spec");
  }

  private static void rule(
      String message, String kind, String description, Consumer<ObjectNode> breakIt, String path) {
    RULES.put(message, new Rule(kind, description, breakIt, path));
  }

  @TestFactory
  Stream<DynamicTest> everyCelRuleRefusesItsBadSpecWithItsMessage() {
    return RULES.entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getValue().toString(),
                    () -> {
                      ObjectNode object = valid(e.getValue().kind());
                      e.getValue().breakIt().accept(object);
                      assertRefused(object, e.getValue().path(), e.getKey());
                    }));
  }

  @Test
  void theTableCoversEveryCelRuleInTheCrds() {
    Set<String> inCrds = new TreeSet<>();
    for (CustomResourceDefinition crd : Crds.load(admin)) {
      collectRuleMessages(
          JSON.valueToTree(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema()),
          inCrds);
    }
    assertThat(RULES.keySet()).containsExactlyInAnyOrderElementsOf(inCrds);
  }

  private static void collectRuleMessages(JsonNode node, Set<String> out) {
    if (node.isMissingNode()) {
      return;
    }
    node.path("x-kubernetes-validations").forEach(r -> out.add(r.path("message").asText()));
    node.path("properties").forEach(child -> collectRuleMessages(child, out));
    collectRuleMessages(node.path("items"), out);
  }

  // ---- defaults ----------------------------------------------------------------------------

  /** The defaults the README's resource reference documents, as the API server must fill them. */
  private static final Map<String, Object> PIPELINE_DEFAULTS =
      Map.ofEntries(
          Map.entry("spec.replicas", 1),
          Map.entry("spec.logLevel", "info"),
          Map.entry("spec.automountServiceAccountToken", false),
          Map.entry("spec.terminationGracePeriodSeconds", 30),
          Map.entry("spec.pubsub.subscription", "notification-created-email"),
          Map.entry("spec.pubsub.topic", "notification-created"),
          Map.entry("spec.pubsub.sentTopic", "notification-sent"),
          Map.entry("spec.pubsub.maxDeliveryAttempts", 5),
          Map.entry("spec.pubsub.maxOutstandingMessages", 100),
          Map.entry("spec.pubsub.provision", false),
          Map.entry("spec.pubsub.ackDeadlineSeconds", 60),
          Map.entry("spec.pubsub.deletionPolicy", "Retain"),
          Map.entry("spec.pubsub.minimumBackoff", "10s"),
          Map.entry("spec.pubsub.maximumBackoff", "600s"),
          Map.entry("spec.pubsub.messageRetentionDuration", "604800s"),
          Map.entry("spec.email.maxRetries", 3),
          Map.entry("spec.email.maxSendRate", 14),
          Map.entry("spec.email.templates.source", "ConfigMap"),
          Map.entry("spec.email.reputationGuard.enabled", false),
          Map.entry("spec.email.reputationGuard.maxBounceRate", 0.08),
          Map.entry("spec.email.reputationGuard.maxComplaintRate", 0.004),
          Map.entry("spec.email.reputationGuard.minSends", 200),
          Map.entry("spec.mysql.port", 3306),
          Map.entry("spec.mysql.maxPoolSize", 10),
          Map.entry("spec.mongodb.maxPoolSize", 10),
          Map.entry("spec.autoscaling.minReplicas", 1),
          Map.entry("spec.autoscaling.targetBacklogPerReplica", 100),
          Map.entry("spec.autoscaling.activationBacklog", 0),
          Map.entry("spec.autoscaling.pollingIntervalSeconds", 30),
          Map.entry("spec.autoscaling.cooldownSeconds", 300),
          Map.entry("spec.podSecurity.platformAssignsIds", false));

  private static final Map<String, Object> CACHE_DEFAULTS =
      Map.of("spec.keyPrefix", "vibe:", "spec.ttlSeconds", 3600, "spec.tls", false);

  @Test
  void theApiServerFillsInEveryDocumentedDefault() throws Exception {
    ObjectNode minimal =
        (ObjectNode)
            JSON.readTree(
                """
                {"apiVersion": "%s", "kind": "NotificationPipeline",
                 "metadata": {"name": "minimal", "namespace": "%s"},
                 "spec": {
                   "image": "registry.example.com/notify/worker:1.2.3",
                   "cacheRef": {"name": "cache"},
                   "pubsub": {"projectId": "test-project"},
                   "email": {"region": "eu-west-1", "fromAddress": "noreply@vibework.io",
                             "templates": {"configMapRef": {"name": "email-templates"}},
                             "reputationGuard": {}},
                   "mysql": {"host": "mysql.db", "database": "users",
                             "credentialsSecretRef": {"name": "mysql-creds"}},
                   "mongodb": {"urlSecretRef": {"name": "mongo-url"}},
                   "autoscaling": {"maxReplicas": 3},
                   "podSecurity": {}}}
                """
                    .formatted(API, NS));
    JsonNode stored = create(minimal);
    assertThat(filledIn(stored, PIPELINE_DEFAULTS.keySet())).isEqualTo(PIPELINE_DEFAULTS);

    ObjectNode cache =
        (ObjectNode)
            JSON.readTree(
                """
                {"apiVersion": "%s", "kind": "CacheConfig",
                 "metadata": {"name": "minimal", "namespace": "%s"},
                 "spec": {"url": "redis://redis.cache:6379"}}
                """
                    .formatted(API, NS));
    assertThat(filledIn(create(cache), CACHE_DEFAULTS.keySet())).isEqualTo(CACHE_DEFAULTS);
  }

  @Test
  void everyDefaultInTheSchemaIsDocumented() {
    Map<String, Set<String>> defaulted = new LinkedHashMap<>();
    for (CustomResourceDefinition crd : Crds.load(admin)) {
      Set<String> paths = new TreeSet<>();
      collectDefaults(
          JSON.valueToTree(crd.getSpec().getVersions().get(0).getSchema().getOpenAPIV3Schema())
              .path("properties")
              .path("spec"),
          "spec",
          paths);
      defaulted.put(crd.getSpec().getNames().getKind(), paths);
    }
    assertThat(defaulted.get("NotificationPipeline"))
        .containsExactlyInAnyOrderElementsOf(PIPELINE_DEFAULTS.keySet());
    assertThat(defaulted.get("CacheConfig"))
        .containsExactlyInAnyOrderElementsOf(CACHE_DEFAULTS.keySet());
  }

  private static void collectDefaults(JsonNode node, String path, Set<String> out) {
    if (node.has("default")) {
      out.add(path);
    }
    node.path("properties")
        .properties()
        .forEach(p -> collectDefaults(p.getValue(), path + "." + p.getKey(), out));
  }

  private static Map<String, Object> filledIn(JsonNode stored, Set<String> paths) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String path : paths) {
      JsonNode value = stored;
      for (String part : path.split("\\.")) {
        value = value.path(part);
      }
      if (!value.isMissingNode()) {
        out.put(path, JSON.convertValue(value, Object.class));
      }
    }
    return out;
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** A spec the API server accepts, with every optional object that has bounds present. */
  private static ObjectNode valid(String kind) {
    String name = "case-" + names.incrementAndGet();
    Object object =
        switch (kind) {
          case "NotificationPipeline" -> Fixtures.pipeline(NS, name, "cache", 1);
          case "CacheConfig" -> Fixtures.cacheConfig(NS, name, "redis://redis.cache:6379", true);
          default -> throw new IllegalArgumentException(kind);
        };
    ObjectNode node;
    try {
      // fabric8's own serialization: unset fields are left out, as kubectl would send them.
      node = (ObjectNode) JSON.readTree(admin.getKubernetesSerialization().asJson(object));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    node.remove("status");
    if (kind.equals("NotificationPipeline")) {
      obj(node, "spec", "autoscaling").put("maxReplicas", 5);
      obj(node, "spec", "podSecurity");
      obj(node, "spec", "email", "templates", "configMapRef").put("name", "email-templates");
    }
    return node;
  }

  private static ObjectNode obj(ObjectNode root, String... path) {
    ObjectNode node = root;
    for (String part : path) {
      node = node.has(part) ? (ObjectNode) node.get(part) : node.putObject(part);
    }
    return node;
  }

  private static void set(ObjectNode root, String path, JsonNode value) {
    String[] parts = path.split("\\.");
    ObjectNode parent = root;
    for (int i = 0; i < parts.length - 1; i++) {
      parent = obj(parent, parts[i]);
    }
    parent.set(parts[parts.length - 1], value);
  }

  private static JsonNode create(ObjectNode object) {
    GenericKubernetesResource resource =
        admin.getKubernetesSerialization().convertValue(object, GenericKubernetesResource.class);
    return JSON.valueToTree(admin.resource(resource).create());
  }

  private static void assertRefused(ObjectNode object, String path, String expected) {
    JsonNode accepted;
    try {
      accepted = create(object);
    } catch (KubernetesClientException e) {
      assertThat(e.getCode()).as("HTTP status").isEqualTo(422);
      String message = e.getStatus().getMessage();
      assertThat(message).contains(expected);
      if (!path.equals("<nil>")) {
        assertThat(message).contains(path);
      }
      return;
    }
    fail("the API server accepted " + accepted);
  }
}
