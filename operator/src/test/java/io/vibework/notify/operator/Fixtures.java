package io.vibework.notify.operator;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.LogLevel;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test resources with distinctive secret values, so a leak is easy to spot. */
public final class Fixtures {

  public static final String REDIS_PASSWORD = "redis-pw-Zq81xK";
  public static final String MYSQL_USER = "mysql-user-Hw27";
  public static final String MYSQL_PASSWORD = "mysql-pw-Tr55vB";
  public static final String MONGO_URL = "mongodb://mongo-user:mongo-pw-Lp09@mongo:27017/notify";
  public static final String AWS_KEY_ID = "AKIAFIXTURE0000KEY";
  public static final String AWS_SECRET = "aws-secret-Qm77wE";
  public static final String PUBSUB_KEY = "{\"private_key\":\"pubsub-pk-Xy66\"}";

  private Fixtures() {}

  public static Secret secret(String namespace, String name, Map<String, String> plain) {
    Map<String, String> data = new LinkedHashMap<>();
    plain.forEach(
        (k, v) ->
            data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .endMetadata()
        .withData(data)
        .build();
  }

  public static Secret redisSecret(String ns) {
    return secret(ns, "redis-auth", Map.of("password", REDIS_PASSWORD));
  }

  public static Secret mysqlSecret(String ns) {
    return secret(ns, "mysql-creds", Map.of("username", MYSQL_USER, "password", MYSQL_PASSWORD));
  }

  public static Secret mongoSecret(String ns) {
    return secret(ns, "mongo-url", Map.of("url", MONGO_URL));
  }

  public static Secret awsSecret(String ns) {
    return secret(
        ns, "aws-creds", Map.of("accessKeyId", AWS_KEY_ID, "secretAccessKey", AWS_SECRET));
  }

  public static Secret pubsubSecret(String ns) {
    return secret(ns, "pubsub-key", Map.of("key.json", PUBSUB_KEY));
  }

  /** Every Secret the fixture specs and CacheConfigs (with a password) refer to. */
  public static List<Secret> secrets(String ns) {
    return List.of(
        redisSecret(ns), mysqlSecret(ns), mongoSecret(ns), awsSecret(ns), pubsubSecret(ns));
  }

  /** A rotated MySQL password, edited in place as {@code kubectl edit secret} would. */
  public static void rotateMysqlPassword(KubernetesClient client, String ns, String password) {
    client
        .secrets()
        .inNamespace(ns)
        .withName("mysql-creds")
        .edit(
            s -> {
              s.getData()
                  .put(
                      "password",
                      Base64.getEncoder()
                          .encodeToString(password.getBytes(StandardCharsets.UTF_8)));
              return s;
            });
  }

  public static String[] secretValues() {
    return new String[] {
      REDIS_PASSWORD,
      MYSQL_USER,
      MYSQL_PASSWORD,
      MONGO_URL,
      "mongo-pw-Lp09",
      AWS_KEY_ID,
      AWS_SECRET,
      "pubsub-pk-Xy66"
    };
  }

  public static CacheConfig cacheConfig(String ns, String name, String url, boolean withPassword) {
    return new CacheConfig(
        ns,
        name,
        SpecBuilders.cache()
            .url(url)
            .passwordSecret(withPassword ? "redis-auth" : null, null)
            .ttlSeconds(600)
            .build());
  }

  /**
   * {@code pubsub} set up for provisioning on the emulator at {@code hostPort}: subscription and
   * topics named {@code sub-}, {@code created-}, {@code sent-} and {@code dead-} + {@code name}.
   */
  public static SpecBuilders.PubSub provisioned(
      SpecBuilders.PubSub pubsub, String projectId, String hostPort, String name) {
    return pubsub
        .projectId(projectId)
        .emulatorHost(hostPort)
        .subscription("sub-" + name)
        .topic("created-" + name)
        .sentTopic("sent-" + name)
        .deadLetterTopic("dead-" + name)
        .provision(true);
  }

  public static NotificationPipelineSpec spec(String cacheName, int replicas) {
    return specBuilder(cacheName, replicas).build();
  }

  /** The fixture pipeline spec, for a test that changes some of its fields. */
  public static SpecBuilders.Pipeline specBuilder(String cacheName, int replicas) {
    return SpecBuilders.pipeline()
        .image("registry.example.com/notify/worker:1.2.3")
        .replicas(replicas)
        .logLevel(LogLevel.INFO)
        .cacheRef(cacheName)
        .pubsub(
            SpecBuilders.pubsub()
                .projectId("test-project")
                .deadLetterTopic("notification-dead")
                .credentialsSecret("pubsub-key")
                .build())
        .email(
            SpecBuilders.email()
                .region("eu-west-1")
                .fromAddress("noreply@vibework.io")
                .credentialsSecret("aws-creds")
                .build())
        .mysql(
            SpecBuilders.mysql()
                .host("mysql.db")
                .database("users")
                .credentialsSecret("mysql-creds")
                .build())
        .mongodb(SpecBuilders.mongodb().urlSecret("mongo-url", null).build());
  }

  public static NotificationPipeline pipeline(
      String ns, String name, String cacheName, int replicas) {
    return new NotificationPipeline(ns, name, spec(cacheName, replicas));
  }
}
