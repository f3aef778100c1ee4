package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.MockCluster;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every metric the chart's alerts and dashboard read is one a running worker or operator really
 * exports: the names come from {@code GET /metrics} of a real operator (against fabric8's mock API
 * server, reconciling a pipeline and a broken one) and of a real worker process ({@code
 * worker/target/worker.jar}, which the reactor packages before this module's tests) that has
 * delivered an email and dead-lettered a malformed message through the real servers.
 */
class MonitoringMetricNamesTest {

  @RegisterExtension static final RedisServer redis = new RedisServer();
  @RegisterExtension static final MariaDbServer mysql = new MariaDbServer();
  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();
  @RegisterExtension static final SesEmulator ses = new SesEmulator();
  @RegisterExtension static final MongoServer mongo = new MongoServer();

  private static final Duration WAIT = Duration.ofSeconds(90);
  // Once the worker has delivered, every meter it will show is there within a few scrapes.
  private static final Duration NAMES_WAIT = Duration.ofSeconds(30);

  private Process worker;
  private Path workerLog;
  private MockCluster cluster;
  private OperatorApp operator;

  @AfterEach
  void stop() throws InterruptedException {
    if (worker != null) {
      worker.destroy();
      if (!worker.waitFor(20, TimeUnit.SECONDS)) {
        worker.destroyForcibly();
      }
    }
    if (operator != null) operator.close();
    if (cluster != null) cluster.close();
  }

  @Test
  void everyMetricTheAlertsAndTheDashboardReadIsExportedByTheWorkerOrTheOperator()
      throws Exception {
    MonitoringPack pack = MonitoringPack.render();
    Set<String> used = pack.metricNames();
    assertThat(used).as("metric names read by the rules and the dashboard").hasSizeGreaterThan(20);
    Set<String> wanted = new TreeSet<>(used);
    wanted.removeAll(MonitoringPack.EXTERNAL_METRICS.keySet());

    int workerPort = startWorkerAndDeliver();
    operator = startOperator(workerPort);

    // Counters and histograms appear once something happened; wait until the scenario has gone
    // through (or the time is up), then compare.
    Set<String> exported = new TreeSet<>();
    try {
      await()
          .atMost(NAMES_WAIT)
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                exported.clear();
                exported.addAll(names(scrape(workerPort)));
                exported.addAll(names(scrape(operator.httpPort())));
                return exported.containsAll(wanted);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      // the assertion below says which names are missing
    }
    assertThat(exported)
        .as(
            "metrics read by the chart's alerts and dashboard but exported by neither the worker"
                + " nor the operator (worker log: %s)",
            workerLog)
        .containsAll(wanted);
  }

  /** The worker as its Deployment runs it, on real servers; returns its HTTP port. */
  private int startWorkerAndDeliver() throws IOException {
    Path jar = Chart.repoRoot().resolve("worker/target/worker.jar");
    assertThat(Files.isRegularFile(jar))
        .withFailMessage(
            "%s missing: run the operator tests through the reactor so the worker is packaged"
                + " first (mvn -pl operator -am verify)",
            jar)
        .isTrue();
    pubsub.createTopic("created");
    pubsub.createSubscription("created-email", "created", 10);
    pubsub.createTopic("sent");
    pubsub.createTopic("dead");
    try (BackendData data = new BackendData(mysql, mongo.connectionString(), "notifications")) {
      data.seedSample();
    }

    int port = Ports.free();
    Map<String, String> env = new HashMap<>();
    env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    env.put("REDIS_URL", redis.url());
    env.put("MYSQL_HOST", mysql.host());
    env.put("MYSQL_PORT", String.valueOf(mysql.port()));
    env.put("MYSQL_USER", mysql.user());
    env.put("MYSQL_PASSWORD", mysql.password());
    env.put("MYSQL_DATABASE", mysql.database());
    env.put("MONGODB_URL", mongo.url("notifications"));
    env.put("PUBSUB_EMULATOR_HOST", pubsub.hostPort());
    env.put("GOOGLE_CLOUD_PROJECT", pubsub.projectId());
    env.put("PUBSUB_SUBSCRIPTION", "created-email");
    env.put("PUBSUB_TOPIC_CREATED", "created");
    env.put("PUBSUB_TOPIC_SENT", "sent");
    env.put("PUBSUB_DEAD_LETTER_TOPIC", "dead");
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", "local");
    env.put("AWS_SECRET_ACCESS_KEY", "local-secret");
    env.put("AWS_SES_FROM_ADDRESS", "noreply@vibework.io");
    env.put("AWS_ENDPOINT_URL_SESV2", ses.endpoint().toString());
    // A rate budget (below the SES emulator's quota of 14/s), so the rate limiter is in the path
    // and reports its waits.
    env.put("SES_MAX_SEND_RATE", "10");
    env.put("HTTP_PORT", String.valueOf(port));

    // Kept in target/ (operator/target from Maven) for a failing run's reader.
    workerLog = Path.of("target", "metric-names-worker.log").toAbsolutePath();
    Files.createDirectories(workerLog.getParent());
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(workerLog.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    worker = builder.start();

    // Emails for each template, a non-email type (skipped) and a body that is not JSON
    // (dead-lettered).
    BackendData.SAMPLE_EVENTS.forEach(event -> pubsub.publish("created", event));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(worker.isAlive()).as("worker running (log %s)", workerLog).isTrue();
              assertThat(ses.emails()).isNotEmpty();
            });
    return port;
  }

  /** The operator reconciling a pipeline whose workers answer at the real worker's /readyz. */
  private OperatorApp startOperator(int workerPort) {
    cluster = new MockCluster();
    KubernetesClient client = cluster.client();
    String ns = "team-a";
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    for (var secret :
        java.util.List.of(
            Fixtures.mysqlSecret(ns),
            Fixtures.mongoSecret(ns),
            Fixtures.awsSecret(ns),
            Fixtures.pubsubSecret(ns))) {
      client.resource(secret).create();
    }
    client.resource(Fixtures.cacheConfig(ns, "cache", redis.url(), false)).create();
    client.resource(Fixtures.pipeline(ns, "orders", "cache", 1)).create();
    // A pipeline naming a CacheConfig that does not exist: an invalid spec, counted.
    client.resource(Fixtures.pipeline(ns, "broken", "no-such-cache", 1)).create();
    OperatorConfig config =
        new OperatorConfig(Set.of(), Duration.ofSeconds(1), false, null, "lock", 0, "info");
    return OperatorApp.start(
        config,
        client,
        p -> URI.create("http://127.0.0.1:" + workerPort + "/readyz"),
        Clock.systemUTC());
  }

  private static String scrape(int port) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      return response.body();
    }
  }

  /** Sample names in Prometheus text format (what PromQL selects), e.g. foo_bucket, foo_total. */
  static Set<String> names(String exposition) {
    return exposition
        .lines()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .map(l -> l.split("[{ ]", 2)[0])
        .collect(Collectors.toCollection(TreeSet::new));
  }
}
