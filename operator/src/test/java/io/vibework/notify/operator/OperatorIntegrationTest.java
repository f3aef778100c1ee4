package io.vibework.notify.operator;

import static io.vibework.notify.operator.Fixtures.pipeline;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.CacheConfigStatus;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.LogLevel;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.health.WorkerAddressResolver;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.worker.health.HealthCheck;
import io.vibework.notify.worker.health.HealthServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * The operator as it runs, against fabric8's CRUD mock: started by hand (no SSA in the mock), with
 * real Redis servers and the real worker /readyz on loopback. The mock runs no controllers, so the
 * test writes Deployment status the way the cluster would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorIntegrationTest {

  @RegisterExtension
  static final RedisServer redis = new RedisServer().requirePassword(Fixtures.REDIS_PASSWORD);

  @RegisterExtension static final RedisServer spareRedis = new RedisServer();

  private static final AtomicInteger NS = new AtomicInteger();
  private static final Duration WAIT = Duration.ofSeconds(30);

  private MockCluster cluster;
  private KubernetesClient client;
  private OperatorApp operator;
  private HealthServer worker;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  void start() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    cluster = new MockCluster();
    client = cluster.client();
    worker =
        HealthServer.start(
            0,
            List.of(HealthCheck.of("cache", () -> ping(redis.port(), Fixtures.REDIS_PASSWORD))),
            Map::of,
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    OperatorConfig config =
        new OperatorConfig(Set.of(), Duration.ofSeconds(1), false, null, "lock", 0, "debug");
    operator = OperatorApp.start(config, client, WorkerAddressResolver.podIp(), Clock.systemUTC());
  }

  @AfterAll
  void stop() {
    if (operator != null) operator.close();
    if (worker != null) worker.close();
    if (cluster != null) cluster.close();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  // The worker's cache check: AUTH then PING over a plain socket to the real Redis.
  private static void ping(int port, String password) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write(("AUTH " + password + "\r\nPING\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder answer = new StringBuilder();
      int c;
      while (!answer.toString().contains("PONG") && (c = in.read()) != -1) {
        answer.append((char) c);
      }
      if (!answer.toString().contains("+PONG")) {
        throw new IllegalStateException("no PONG");
      }
    }
  }

  private String newNamespace() {
    String ns = "it-" + NS.incrementAndGet();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return ns;
  }

  private void createSecrets(String ns, boolean withRedis) {
    List<Secret> secrets =
        new ArrayList<>(
            List.of(
                Fixtures.mysqlSecret(ns),
                Fixtures.mongoSecret(ns),
                Fixtures.awsSecret(ns),
                Fixtures.pubsubSecret(ns)));
    if (withRedis) {
      secrets.add(Fixtures.redisSecret(ns));
    }
    secrets.forEach(s -> client.resource(s).create());
  }

  private String redisUrl() {
    return "redis://127.0.0.1:" + redis.port();
  }

  private NotificationPipeline get(String ns, String name) {
    return client.resources(NotificationPipeline.class).inNamespace(ns).withName(name).get();
  }

  private Deployment deployment(String ns, String name) {
    return client.apps().deployments().inNamespace(ns).withName(name + "-worker").get();
  }

  private static String hash(Deployment d) {
    return d.getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(WorkerObjects.INPUTS_HASH_ANNOTATION);
  }

  private static String condition(NotificationPipeline p, String type, boolean reason) {
    if (p == null || p.getStatus() == null) {
      return null;
    }
    return Conditions.find(p.getStatus().conditions(), type)
        .map(c -> reason ? c.getReason() : c.getStatus())
        .orElse(null);
  }

  /**
   * What the Deployment controller and kubelets would report once every worker is up: the
   * Deployment's status and one Running pod per replica, each at 127.0.0.1 with its container port
   * {@code http} at the worker's port (by default the one real worker health server).
   */
  private void markAvailable(String ns, String name) {
    int[] ports = new int[deployment(ns, name).getSpec().getReplicas()];
    Arrays.fill(ports, worker.port());
    markAvailable(ns, name, ports);
  }

  private void markAvailable(String ns, String name, int... podPorts) {
    OperatorTestBed.markAvailable(client, deployment(ns, name), podPorts);
  }

  @Test
  @Order(1)
  void pipelineWithCacheConfigBecomesReadyWithAllWorkerObjects() {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    NotificationPipeline created = client.resource(pipeline(ns, "orders", "cache", 2)).create();

    await().atMost(WAIT).until(() -> deployment(ns, "orders") != null);
    Deployment d = deployment(ns, "orders");
    ConfigMap cm = client.configMaps().inNamespace(ns).withName("orders-worker-env").get();
    Service svc = client.services().inNamespace(ns).withName("orders-worker").get();
    await()
        .atMost(WAIT)
        .until(
            () ->
                client
                        .policy()
                        .v1()
                        .podDisruptionBudget()
                        .inNamespace(ns)
                        .withName("orders-worker")
                        .get()
                    != null);
    PodDisruptionBudget pdb =
        client.policy().v1().podDisruptionBudget().inNamespace(ns).withName("orders-worker").get();

    for (HasMetadata owned : List.of(d, cm, svc, pdb)) {
      assertThat(owned.getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(
              ref -> {
                assertThat(ref.getUid()).isEqualTo(created.getMetadata().getUid());
                assertThat(ref.getKind()).isEqualTo("NotificationPipeline");
                assertThat(ref.getController()).isTrue();
              });
      assertThat(owned.getMetadata().getLabels())
          .containsEntry("app.kubernetes.io/name", "notification-worker")
          .containsEntry("app.kubernetes.io/instance", "orders")
          .containsEntry("app.kubernetes.io/component", "worker")
          .containsEntry("app.kubernetes.io/part-of", "notification-pipeline")
          .containsEntry("app.kubernetes.io/managed-by", "notification-operator");
    }

    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("registry.example.com/notify/worker:1.2.3");
    assertThat(c.getEnvFrom())
        .singleElement()
        .satisfies(e -> assertThat(e.getConfigMapRef().getName()).isEqualTo("orders-worker-env"));
    assertThat(c.getEnv())
        .extracting(EnvVar::getName)
        .containsExactly(
            "REDIS_PASSWORD",
            "MYSQL_USER",
            "MYSQL_PASSWORD",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "MONGODB_URL");
    assertThat(c.getEnv())
        .allSatisfy(
            e -> {
              assertThat(e.getValue()).isNull();
              assertThat(e.getValueFrom().getSecretKeyRef()).isNotNull();
            });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    // Readiness is the process and its subscriber; the dependency checks gate start-up only.
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz/subscriber");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(d.getSpec().getTemplate().getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(
            d.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/pubsub");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("prometheus.io/scrape", "true")
        .containsEntry("prometheus.io/port", "8080")
        .containsKey(WorkerObjects.INPUTS_HASH_ANNOTATION);
    assertThat(cm.getData())
        .containsEntry("REDIS_URL", redisUrl())
        .containsEntry("REDIS_TTL_SECONDS", "600")
        .containsEntry("REDIS_KEY_PREFIX", "vibe:")
        .containsEntry("GOOGLE_CLOUD_PROJECT", "test-project")
        .containsEntry("PUBSUB_DEAD_LETTER_TOPIC", "notification-dead")
        .containsEntry("APP_ENV", "production")
        .containsEntry("GOOGLE_APPLICATION_CREDENTIALS", "/var/run/secrets/pubsub/key.json")
        .doesNotContainKeys(
            "REDIS_PASSWORD", "MYSQL_PASSWORD", "MONGODB_URL", "PUBSUB_EMULATOR_HOST");
    assertThat(svc.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getPort()).isEqualTo(8080);
            });
    assertThat(pdb.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getUnhealthyPodEvictionPolicy()).isEqualTo("AlwaysAllow");
    assertThat(cm.getData())
        .containsEntry("SES_MAX_SEND_RATE", "14")
        .containsEntry("SES_RATE_SHARE", "7");

    // Not Ready until the workers are available and answer /readyz.
    await()
        .atMost(WAIT)
        .until(() -> "RollingOut".equals(condition(get(ns, "orders"), Conditions.READY, true)));
    markAvailable(ns, "orders");
    await()
        .atMost(WAIT)
        .until(() -> "True".equals(condition(get(ns, "orders"), Conditions.READY, false)));
    NotificationPipeline ready = get(ns, "orders");
    assertThat(ready.getStatus().observedGeneration())
        .isEqualTo(ready.getMetadata().getGeneration());
    assertThat(ready.getStatus().replicas()).isEqualTo(2);
    assertThat(ready.getStatus().readyReplicas()).isEqualTo(2);
    assertThat(ready.getStatus().health().status()).isEqualTo("ready");
    assertThat(ready.getStatus().health().checks()).containsEntry("cache", "ok");
    assertThat(condition(ready, Conditions.DEGRADED, false)).isEqualTo("False");
    assertThat(condition(ready, Conditions.PROGRESSING, false)).isEqualTo("False");
  }

  @Test
  @Order(2)
  void editsRollTheWorkersAndUnchangedInputsWriteNothing() {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "billing", "cache", 1)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "billing") != null);
    String first = hash(deployment(ns, "billing"));
    // A single replica needs no disruption budget.
    assertThat(
            client
                .policy()
                .v1()
                .podDisruptionBudget()
                .inNamespace(ns)
                .withName("billing-worker")
                .get())
        .isNull();

    // The pipeline itself.
    client
        .resources(NotificationPipeline.class)
        .inNamespace(ns)
        .withName("billing")
        .edit(
            p -> {
              p.setSpec(SpecBuilders.pipeline(p.getSpec()).logLevel(LogLevel.DEBUG).build());
              return p;
            });
    await().atMost(WAIT).until(() -> !first.equals(hash(deployment(ns, "billing"))));
    String second = hash(deployment(ns, "billing"));
    assertThat(client.configMaps().inNamespace(ns).withName("billing-worker-env").get().getData())
        .containsEntry("LOG_LEVEL", "debug");

    // Its CacheConfig.
    client
        .resources(CacheConfig.class)
        .inNamespace(ns)
        .withName("cache")
        .edit(
            cc -> {
              cc.setSpec(SpecBuilders.cache(cc.getSpec()).keyPrefix("orders:").build());
              return cc;
            });
    await().atMost(WAIT).until(() -> !second.equals(hash(deployment(ns, "billing"))));
    String third = hash(deployment(ns, "billing"));

    // A referenced Secret's value (the ConfigMap cannot change: the value only travels by
    // secretKeyRef).
    Fixtures.rotateMysqlPassword(client, ns, "rotated-pw-Gg12");
    await().atMost(WAIT).until(() -> !third.equals(hash(deployment(ns, "billing"))));
    String fourth = hash(deployment(ns, "billing"));

    // Settle, then make the operator re-reconcile with identical inputs: a key nobody reads is
    // added.
    await().pollDelay(Duration.ofSeconds(2)).atMost(WAIT).until(() -> true);
    cluster.drainRequests();
    double reconcilesBefore = OperatorTestBed.pipelineReconciles(operator);
    client
        .secrets()
        .inNamespace(ns)
        .withName("mysql-creds")
        .edit(
            s -> {
              s.getData()
                  .put(
                      "unused",
                      Base64.getEncoder().encodeToString("x".getBytes(StandardCharsets.UTF_8)));
              return s;
            });
    await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> true);
    List<String> writes = MockCluster.writes(cluster.drainRequests());
    assertThat(OperatorTestBed.pipelineReconciles(operator))
        .as("the Secret edit made the operator reconcile")
        .isGreaterThan(reconcilesBefore);
    // Only the test's own Secret edit; nothing from the operator for the pipeline. The CacheConfig
    // re-pings its real Redis every second here, and on a loaded machine a latency that moves past
    // its threshold is a legitimate CacheConfig status write that says nothing about pipelines.
    assertThat(writes)
        .filteredOn(w -> !w.contains("/cacheconfigs/"))
        .allMatch(w -> w.contains("/secrets/mysql-creds"), "only the test's write: " + writes);
    assertThat(hash(deployment(ns, "billing"))).isEqualTo(fourth);
  }

  @Test
  @Order(3)
  void missingCacheConfigOrSecretIsReportedThenHealsWhenItAppears() {
    String ns = newNamespace();
    createSecrets(ns, false);
    client.resource(pipeline(ns, "lonely", "absent-cache", 1)).create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                "CacheConfigNotFound".equals(condition(get(ns, "lonely"), Conditions.READY, true)));
    NotificationPipeline p = get(ns, "lonely");
    assertThat(condition(p, Conditions.READY, false)).isEqualTo("False");
    assertThat(
            Conditions.find(p.getStatus().conditions(), Conditions.READY)
                .orElseThrow()
                .getMessage())
        .contains("absent-cache")
        .contains("create it");
    await()
        .atMost(WAIT)
        .until(
            () -> events(ns).stream().anyMatch(e -> "CacheConfigNotFound".equals(e.getReason())));
    assertThat(deployment(ns, "lonely")).isNull();

    // The CacheConfig appears but names a password Secret that does not exist yet.
    client.resource(Fixtures.cacheConfig(ns, "absent-cache", redisUrl(), true)).create();
    await()
        .atMost(WAIT)
        .until(() -> "SecretNotFound".equals(condition(get(ns, "lonely"), Conditions.READY, true)));
    assertThat(
            Conditions.find(get(ns, "lonely").getStatus().conditions(), Conditions.READY)
                .orElseThrow()
                .getMessage())
        .contains("redis-auth");
    await()
        .atMost(WAIT)
        .until(
            () ->
                events(ns).stream()
                    .anyMatch(
                        e ->
                            "SecretNotFound".equals(e.getReason())
                                && "NotificationPipeline".equals(e.getInvolvedObject().getKind())));

    // Secret without the key the CacheConfig names.
    client.resource(Fixtures.secret(ns, "redis-auth", Map.of("wrong", "x"))).create();
    await()
        .atMost(WAIT)
        .until(
            () -> "SecretKeyNotFound".equals(condition(get(ns, "lonely"), Conditions.READY, true)));

    client
        .secrets()
        .inNamespace(ns)
        .withName("redis-auth")
        .edit(
            s -> {
              s.getData()
                  .put(
                      "password",
                      Base64.getEncoder()
                          .encodeToString(
                              Fixtures.REDIS_PASSWORD.getBytes(StandardCharsets.UTF_8)));
              return s;
            });
    await().atMost(WAIT).until(() -> deployment(ns, "lonely") != null);
    markAvailable(ns, "lonely");
    await()
        .atMost(WAIT)
        .until(() -> "True".equals(condition(get(ns, "lonely"), Conditions.READY, false)));
  }

  @Test
  @Order(4)
  void cacheConfigReportsReachabilityOfRealRedis() {
    String ns = newNamespace();
    createSecrets(ns, true);
    int sparePort = spareRedis.port();
    spareRedis.stop();
    try {
      client
          .resource(Fixtures.cacheConfig(ns, "stopped", "redis://127.0.0.1:" + sparePort, false))
          .create();
      client.resource(Fixtures.cacheConfig(ns, "running", redisUrl(), true)).create();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  cache(ns, "stopped") != null
                      && Boolean.FALSE.equals(cache(ns, "stopped").reachable()));
      assertThat(
              Conditions.find(cache(ns, "stopped").conditions(), Conditions.READY)
                  .orElseThrow()
                  .getStatus())
          .isEqualTo("False");
      assertThat(Conditions.isTrue(cache(ns, "stopped").conditions(), Conditions.DEGRADED))
          .isTrue();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  cache(ns, "running") != null
                      && Boolean.TRUE.equals(cache(ns, "running").reachable()));
      assertThat(cache(ns, "running").latencyMillis()).isNotNull().isBetween(0L, 2000L);
      assertThat(Conditions.isTrue(cache(ns, "running").conditions(), Conditions.READY)).isTrue();
      await()
          .atMost(WAIT)
          .until(() -> events(ns).stream().anyMatch(e -> "RedisUnreachable".equals(e.getReason())));
    } finally {
      spareRedis.start();
    }
    // The same port answers again: the periodic check notices.
    await().atMost(WAIT).until(() -> Boolean.TRUE.equals(cache(ns, "stopped").reachable()));
  }

  @Test
  @Order(5)
  void workerReportingCacheErrorShowsInHealthAndDegraded() {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "alerts", "cache", 1)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "alerts") != null);
    markAvailable(ns, "alerts");
    await()
        .atMost(WAIT)
        .until(() -> "True".equals(condition(get(ns, "alerts"), Conditions.READY, false)));
    redis.stop();
    try {
      await()
          .atMost(WAIT)
          .until(() -> "True".equals(condition(get(ns, "alerts"), Conditions.DEGRADED, false)));
      NotificationPipeline p = get(ns, "alerts");
      assertThat(p.getStatus().health().status()).isEqualTo("not_ready");
      // Every pod (here the one) reports it: shared, so kstatus reads Stalled.
      assertThat(p.getStatus().health().checks()).containsEntry("cache", "error (1/1 pods)");
      assertThat(condition(p, Conditions.READY, false)).isEqualTo("False");
      assertThat(condition(p, Conditions.READY, true)).isEqualTo("DependencyUnhealthy");
      assertThat(condition(p, Conditions.STALLED, false)).isEqualTo("True");
      assertThat(
              Conditions.find(p.getStatus().conditions(), Conditions.DEGRADED)
                  .orElseThrow()
                  .getMessage())
          .contains("cache: error");
    } finally {
      redis.start();
    }
    await()
        .atMost(WAIT)
        .until(() -> "True".equals(condition(get(ns, "alerts"), Conditions.READY, false)));
  }

  @Test
  @Order(6)
  void noSecretValueInConfigMapsStatusEventsOrLogs() {
    List<String> places = new ArrayList<>();
    var json = client.getKubernetesSerialization();
    client
        .configMaps()
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(cm -> places.add(json.asJson(cm)));
    client
        .resources(NotificationPipeline.class)
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(p -> places.add(json.asJson(p.getStatus())));
    client
        .resources(CacheConfig.class)
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(c -> places.add(json.asJson(c.getStatus())));
    client
        .v1()
        .events()
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(e -> places.add(json.asJson(e)));
    client
        .apps()
        .deployments()
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(d -> places.add(json.asJson(d)));
    for (ILoggingEvent e : List.copyOf(logs.list)) {
      places.add(
          e.getFormattedMessage()
              + " "
              + e.getKeyValuePairs()
              + (e.getThrowableProxy() == null
                  ? ""
                  : ThrowableProxyUtil.asString(e.getThrowableProxy())));
    }
    assertThat(places).hasSizeGreaterThan(10);
    List<String> secrets = new ArrayList<>(List.of(Fixtures.secretValues()));
    secrets.add("rotated-pw-Gg12");
    for (String secret : List.copyOf(secrets)) {
      secrets.add(Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8)));
    }
    for (String place : places) {
      for (String secret : secrets) {
        assertThat(place).as("a secret value leaked").doesNotContain(secret);
      }
    }
  }

  @Test
  @Order(7)
  void everyOwnedObjectCarriesItsOwnerReference() {
    Set<String> pipelineUids = new HashSet<>();
    client
        .resources(NotificationPipeline.class)
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(p -> pipelineUids.add(p.getMetadata().getUid()));
    List<HasMetadata> owned = new ArrayList<>();
    owned.addAll(client.apps().deployments().inAnyNamespace().list().getItems());
    owned.addAll(
        client
            .configMaps()
            .inAnyNamespace()
            .withLabel("app.kubernetes.io/managed-by", "notification-operator")
            .list()
            .getItems());
    owned.addAll(client.services().inAnyNamespace().list().getItems());
    owned.addAll(client.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems());
    assertThat(owned).hasSizeGreaterThanOrEqualTo(9);
    assertThat(owned)
        .allSatisfy(
            o ->
                assertThat(o.getMetadata().getOwnerReferences())
                    .anySatisfy(ref -> assertThat(pipelineUids).contains(ref.getUid())));
  }

  @Test
  @Order(8)
  void operatorServesItsOwnHealthAndMetrics() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + operator.httpPort();
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("operator_sdk_")
        .contains("notify_operator_status_writes_total")
        .contains("jvm_memory_used_bytes");
    // No per-resource tags: pipeline names never become label values.
    assertThat(metrics).doesNotContain("orders").doesNotContain("billing");
  }

  @Test
  @Order(9)
  void scalingChangesReplicasWithoutRollingTheWorkers() {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "scaled", "cache", 2)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "scaled") != null);
    String before = hash(deployment(ns, "scaled"));

    client
        .resources(NotificationPipeline.class)
        .inNamespace(ns)
        .withName("scaled")
        .edit(
            p -> {
              p.setSpec(SpecBuilders.pipeline(p.getSpec()).replicas(3).build());
              return p;
            });
    await().atMost(WAIT).until(() -> deployment(ns, "scaled").getSpec().getReplicas() == 3);
    assertThat(hash(deployment(ns, "scaled")))
        .as("the pod template (its inputs hash) is unchanged, so no pod restarts")
        .isEqualTo(before);
  }

  @Test
  @Order(10)
  void quantitiesAreWrittenAsTheApiServerStoresThemSoAQuietPipelineWritesNothing() {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    NotificationPipeline p =
        new NotificationPipeline(
            ns,
            "sized",
            Fixtures.specBuilder("cache", 1)
                .resources(
                    new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("0.5"))
                        .addToRequests("memory", new Quantity("1024Mi"))
                        .build())
                .build());
    client.resource(p).create();
    await().atMost(WAIT).until(() -> deployment(ns, "sized") != null);
    markAvailable(ns, "sized");
    await().atMost(WAIT).until(() -> condition(get(ns, "sized"), Conditions.READY, true) != null);
    var requests =
        deployment(ns, "sized")
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getResources()
            .getRequests();
    assertThat(requests.get("cpu").toString()).isEqualTo("500m");
    assertThat(requests.get("memory").toString()).isEqualTo("1Gi");

    // Settle, then make the operator reconcile with identical inputs: no Deployment write.
    await().pollDelay(Duration.ofSeconds(2)).atMost(WAIT).until(() -> true);
    cluster.drainRequests();
    client
        .secrets()
        .inNamespace(ns)
        .withName("mysql-creds")
        .edit(
            s -> {
              s.getData().put("unused", "eA==");
              return s;
            });
    await().pollDelay(Duration.ofSeconds(3)).atMost(WAIT).until(() -> true);
    assertThat(MockCluster.writes(cluster.drainRequests()))
        .filteredOn(w -> w.contains("/deployments/"))
        .isEmpty();
  }

  /**
   * Issue 10: health is read from each pod, not through the Service. Three pods: the real worker
   * health server (cache ok), one whose cache check fails, and a stand-in answering /readyz with
   * the {@code sesAccount} of CONTRACTS.md (a small HTTP server: the worker's SES report is built
   * on the worker's branch). One pod of three failing is reported as such, not as shared (no
   * Stalled).
   */
  @Test
  @Order(11)
  void eachPodIsProbedAndTheSesQuotaShowsInStatus() throws Exception {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "pods", "cache", 3)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "pods") != null);
    try (StandInWorker failing =
            StandInWorker.start(
                503, "{\"status\":\"not_ready\",\"checks\":{\"cache\":\"error\"}}");
        StandInWorker ses =
            StandInWorker.start(
                200,
                """
                {"status":"ready","checks":{"cache":"ok"},
                 "sesAccount":{"maxSendRate":14.0,"max24HourSend":50000.0,"sentLast24Hours":12.0,
                               "sendingEnabled":true,"checkedAt":"2026-11-26T06:00:00Z"}}""")) {
      markAvailable(ns, "pods", worker.port(), failing.port(), ses.port());
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                NotificationPipeline p = get(ns, "pods");
                assertThat(p.getStatus().health()).isNotNull();
                assertThat(p.getStatus().health().checks())
                    .containsEntry("cache", "error (1/3 pods)");
                assertThat(p.getStatus().email()).isNotNull();
              });
      NotificationPipeline p = get(ns, "pods");
      assertThat(p.getStatus().health().pods()).isEqualTo(3);
      assertThat(p.getStatus().health().notReadyPods()).isEqualTo(1);
      assertThat(condition(p, Conditions.READY, true)).isEqualTo("DependencyUnhealthy");
      assertThat(condition(p, Conditions.DEGRADED, false)).isEqualTo("True");
      assertThat(condition(p, Conditions.STALLED, false)).isEqualTo("False");
      assertThat(p.getStatus().email().maxSendRate()).isEqualTo(14.0);
      assertThat(p.getStatus().email().max24HourSend()).isEqualTo(50000.0);
      assertThat(p.getStatus().email().sentLast24Hours()).isEqualTo(12.0);
      assertThat(p.getStatus().email().sendingEnabled()).isTrue();
      assertThat(p.getStatus().email().checkedAt()).isEqualTo("2026-11-26T06:00:00Z");
    }
  }

  @Test
  @Order(12)
  void sesFiguresThatOnlyCountSendsCauseNoStatusWrite() throws Exception {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "sending", "cache", 1)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "sending") != null);
    AtomicInteger maxSendRate = new AtomicInteger(14);
    // A worker that is mailing: every answer has sent a few more, read from SES just now.
    try (StandInWorker sending =
        StandInWorker.start(
            200,
            n ->
                """
                {"status":"ready","checks":{"cache":"ok"},
                 "sesAccount":{"maxSendRate":%d.0,"max24HourSend":50000.0,
                               "sentLast24Hours":%d.0,"sendingEnabled":true,
                               "checkedAt":"2026-11-26T06:%02d:00Z"}}"""
                    .formatted(maxSendRate.get(), 100 + 7 * n, n % 60))) {
      markAvailable(ns, "sending", sending.port());
      await().atMost(WAIT).until(() -> get(ns, "sending").getStatus().email() != null);
      NotificationPipeline first = get(ns, "sending");
      int asked = sending.requests();
      await().atMost(WAIT).until(() -> sending.requests() >= asked + 5);

      NotificationPipeline later = get(ns, "sending");
      assertThat(later.getMetadata().getResourceVersion())
          .as("no status write while only sentLast24Hours moves")
          .isEqualTo(first.getMetadata().getResourceVersion());
      assertThat(later.getStatus().email().sentLast24Hours())
          .isEqualTo(first.getStatus().email().sentLast24Hours());

      maxSendRate.set(20);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                var email = get(ns, "sending").getStatus().email();
                assertThat(email.maxSendRate()).isEqualTo(20.0);
                assertThat(email.sentLast24Hours())
                    .as("read with the figure that changed")
                    .isGreaterThan(first.getStatus().email().sentLast24Hours());
              });
    }
  }

  @Test
  @Order(13)
  void sesTemplatesTheWorkersFoundMissingAreListedAndDegradeThePipelineUntilTheyExist()
      throws Exception {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    client.resource(pipeline(ns, "stored", "cache", 1)).create();
    await().atMost(WAIT).until(() -> deployment(ns, "stored") != null);
    java.util.concurrent.atomic.AtomicReference<String> missing =
        new java.util.concurrent.atomic.AtomicReference<>("[\"acme-digest\"]");
    try (StandInWorker worker =
        StandInWorker.start(
            200,
            n ->
                """
                {"status":"ready","checks":{"cache":"ok"},
                 "sesTemplates":{"missing":%s,"checkRefused":"AccessDeniedException"}}"""
                    .formatted(missing.get()))) {
      markAvailable(ns, "stored", worker.port());
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                NotificationPipeline p = get(ns, "stored");
                assertThat(p.getStatus().email().missingTemplates()).containsExactly("acme-digest");
                assertThat(p.getStatus().email().templateCheck())
                    .isEqualTo("GetEmailTemplate refused: AccessDeniedException");
                assertThat(Conditions.isTrue(p.getStatus().conditions(), Conditions.DEGRADED))
                    .isTrue();
                assertThat(
                        Conditions.find(p.getStatus().conditions(), Conditions.DEGRADED)
                            .orElseThrow()
                            .getMessage())
                    .contains("acme-digest");
              });

      missing.set("[]");
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                NotificationPipeline p = get(ns, "stored");
                assertThat(p.getStatus().email().missingTemplates()).isNull();
                assertThat(Conditions.isTrue(p.getStatus().conditions(), Conditions.DEGRADED))
                    .isFalse();
              });
    }
  }

  @Test
  @Order(14)
  void aReputationGuardHoldingSendingIsReadyFalseAndItsLiftAnnotationRollsTheWorkers()
      throws Exception {
    String ns = newNamespace();
    createSecrets(ns, true);
    client.resource(Fixtures.cacheConfig(ns, "cache", redisUrl(), true)).create();
    NotificationPipeline guarded = pipeline(ns, "guarded", "cache", 1);
    guarded.setSpec(
        io.vibework.notify.operator.api.SpecBuilders.pipeline(guarded.getSpec())
            .email(
                io.vibework.notify.operator.api.SpecBuilders.email(guarded.getSpec().email())
                    .feedbackQueueUrl("http://sqs.local/000000000000/feedback")
                    .reputationGuard(
                        new io.vibework.notify.operator.api.ReputationGuardSpec(
                            true, 0.05, null, 100))
                    .build())
            .build());
    client.resource(guarded).create();
    await().atMost(WAIT).until(() -> deployment(ns, "guarded") != null);
    try (StandInWorker worker =
        StandInWorker.start(
            200,
            """
            {"status":"not_ready","checks":{"cache":"ok","email":"error"},
             "reasons":{"email":"reputation_guard"},
             "sesFeedback":{"sends24h":400,"hardBounces24h":24,"complaints24h":0,
                            "suppressedAddresses":24,"suppressedSends":0,
                            "reputationGuard":"bounce_rate"}}""")) {
      markAvailable(ns, "guarded", worker.port());
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                NotificationPipeline p = get(ns, "guarded");
                var ready =
                    Conditions.find(p.getStatus().conditions(), Conditions.READY).orElseThrow();
                assertThat(ready.getStatus()).isEqualTo("False");
                assertThat(ready.getReason()).isEqualTo("ReputationGuard");
                assertThat(ready.getMessage()).contains("6.00%").contains("5.00%");
                assertThat(p.getStatus().email().reputationGuard()).isEqualTo("bounce_rate");
              });
    }
    String hashBefore =
        deployment(ns, "guarded")
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get(WorkerObjects.INPUTS_HASH_ANNOTATION);

    client
        .resources(NotificationPipeline.class)
        .inNamespace(ns)
        .withName("guarded")
        .edit(
            p -> {
              var annotations =
                  new java.util.HashMap<String, String>(
                      p.getMetadata().getAnnotations() == null
                          ? java.util.Map.of()
                          : p.getMetadata().getAnnotations());
              annotations.put(
                  io.vibework.notify.operator.api.ReputationGuardSpec.LIFTED_AT_ANNOTATION,
                  "2026-12-04T21:00:00Z");
              p.getMetadata().setAnnotations(annotations);
              return p;
            });
    // The rollout is the lift: new pods start with fresh counts.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(
                      deployment(ns, "guarded")
                          .getSpec()
                          .getTemplate()
                          .getMetadata()
                          .getAnnotations()
                          .get(WorkerObjects.INPUTS_HASH_ANNOTATION))
                  .isNotEqualTo(hashBefore);
              assertThat(
                      client
                          .configMaps()
                          .inNamespace(ns)
                          .withName("guarded-worker-env")
                          .get()
                          .getData())
                  .containsEntry("REPUTATION_GUARD_LIFTED_AT", "2026-12-04T21:00:00Z");
            });
  }

  /** A pod stand-in: answers request n (from 0) with the /readyz body made for it. */
  private record StandInWorker(HttpServer server, AtomicInteger answered) implements AutoCloseable {
    static StandInWorker start(int code, String readyz) throws IOException {
      return start(code, n -> readyz);
    }

    static StandInWorker start(int code, java.util.function.IntFunction<String> readyz)
        throws IOException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      AtomicInteger requests = new AtomicInteger();
      server.createContext(
          "/",
          exchange -> {
            byte[] body = readyz.apply(requests.getAndIncrement()).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
          });
      server.start();
      return new StandInWorker(server, requests);
    }

    int requests() {
      return answered.get();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private List<Event> events(String ns) {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  private CacheConfigStatus cache(String ns, String name) {
    CacheConfig cc = client.resources(CacheConfig.class).inNamespace(ns).withName(name).get();
    return cc == null ? null : cc.getStatus();
  }
}
