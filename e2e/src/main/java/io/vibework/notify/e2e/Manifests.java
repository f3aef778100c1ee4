package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The sample resources a user applies (examples/), read before they are applied so the demo can
 * start local services that match them: the in-cluster host names they use, the Pub/Sub project and
 * topics, the databases, the Secret values.
 */
public final class Manifests {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path directory;
  private final List<JsonNode> documents;

  private Manifests(Path directory, List<JsonNode> documents) {
    this.directory = directory;
    this.documents = documents;
  }

  /**
   * Every document of every {@code *.yaml}/{@code *.yml} file in {@code dir}, in file-name order.
   */
  public static Manifests load(Path dir) {
    List<JsonNode> docs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file :
          files
              .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
              .sorted()
              .toList()) {
        try (MappingIterator<JsonNode> it =
            YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
          while (it.hasNext()) {
            JsonNode doc = it.next();
            if (doc != null && doc.isObject() && doc.has("kind")) {
              if (doc.path("kind").asText().equals("List")) {
                doc.path("items").forEach(docs::add);
              } else {
                docs.add(doc);
              }
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read manifests in " + dir + ": " + e.getMessage(), e);
    }
    return new Manifests(dir, docs);
  }

  /** The {@code examples/} a user applies first: the demo and the tests run exactly those. */
  public static Path defaultExamples(Path repoRoot) {
    return repoRoot.resolve("examples");
  }

  public Path directory() {
    return directory;
  }

  public List<JsonNode> ofKind(String kind) {
    return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).toList();
  }

  public Optional<JsonNode> find(String kind, String namespace, String name) {
    return ofKind(kind).stream()
        .filter(d -> d.path("metadata").path("name").asText().equals(name))
        .filter(
            d ->
                namespace == null
                    || d.path("metadata").path("namespace").asText(namespace).equals(namespace))
        .findFirst();
  }

  /** A Secret's values, decoded ({@code data} base64, {@code stringData} as is). */
  public Map<String, String> secret(String namespace, String name) {
    JsonNode s =
        find("Secret", namespace, name)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the examples in "
                            + directory
                            + " have no Secret "
                            + namespace
                            + "/"
                            + name));
    Map<String, String> values = new LinkedHashMap<>();
    s.path("data")
        .properties()
        .forEach(
            e ->
                values.put(
                    e.getKey(),
                    new String(
                        Base64.getDecoder().decode(e.getValue().asText()),
                        StandardCharsets.UTF_8)));
    s.path("stringData").properties().forEach(e -> values.put(e.getKey(), e.getValue().asText()));
    return values;
  }

  /** Every Secret value in the manifests (what must never show up in a log). */
  public List<String> allSecretValues() {
    List<String> values = new ArrayList<>();
    for (JsonNode s : ofKind("Secret")) {
      values.addAll(
          secret(
                  s.path("metadata").path("namespace").asText(null),
                  s.path("metadata").path("name").asText())
              .values());
    }
    return values;
  }

  /**
   * What one NotificationPipeline and its CacheConfig point at, with the defaults the CRD applies
   * (the local API applies none).
   */
  public record Pipeline(
      String namespace,
      String name,
      int replicas,
      URI redisUrl,
      String redisPasswordSecret,
      String redisPasswordKey,
      String mysqlHost,
      int mysqlPort,
      String mysqlDatabase,
      String mysqlSecret,
      String projectId,
      String pubsubHost,
      int pubsubPort,
      String topic,
      String subscription,
      String sentTopic,
      String deadLetterTopic,
      URI sesEndpoint,
      String mongoSecret,
      String mongoKey) {}

  public Pipeline pipeline() {
    List<JsonNode> pipelines = ofKind("NotificationPipeline");
    if (pipelines.isEmpty()) {
      throw new IllegalStateException(
          "the examples in " + directory + " have no NotificationPipeline");
    }
    JsonNode p = pipelines.get(0);
    String ns = p.path("metadata").path("namespace").asText("default");
    JsonNode spec = p.path("spec");
    String cacheName = spec.path("cacheRef").path("name").asText();
    JsonNode cache =
        find("CacheConfig", ns, cacheName)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "the examples have no CacheConfig " + ns + "/" + cacheName));
    JsonNode pubsub = spec.path("pubsub");
    String emulator = pubsub.path("emulatorHost").asText(null);
    if (emulator == null) {
      throw new IllegalStateException(
          "the example pipeline has no spec.pubsub.emulatorHost: the demo runs the Pub/Sub emulator");
    }
    String endpoint = spec.path("email").path("endpoint").asText(null);
    if (endpoint == null) {
      throw new IllegalStateException(
          "the example pipeline has no spec.email.endpoint: the demo runs a local SES");
    }
    JsonNode password = cache.path("spec").path("passwordSecretRef");
    return new Pipeline(
        ns,
        p.path("metadata").path("name").asText(),
        spec.path("replicas").asInt(1),
        URI.create(cache.path("spec").path("url").asText()),
        password.isMissingNode() ? null : password.path("name").asText(),
        password.path("key").asText("password"),
        spec.path("mysql").path("host").asText(),
        spec.path("mysql").path("port").asInt(3306),
        spec.path("mysql").path("database").asText(),
        spec.path("mysql").path("credentialsSecretRef").path("name").asText(),
        pubsub.path("projectId").asText(),
        emulator.substring(0, emulator.lastIndexOf(':')),
        Integer.parseInt(emulator.substring(emulator.lastIndexOf(':') + 1)),
        pubsub.path("topic").asText("notification-created"),
        pubsub.path("subscription").asText("notification-created-email"),
        pubsub.path("sentTopic").asText("notification-sent"),
        pubsub.path("deadLetterTopic").asText(null),
        URI.create(endpoint),
        spec.path("mongodb").path("urlSecretRef").path("name").asText(),
        spec.path("mongodb").path("urlSecretRef").path("key").asText("url"));
  }
}
