package io.vibework.notify.e2e;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.Kubectl;
import io.vibework.notify.testkit.kube.LocalKubelet;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * The whole system on one machine: local Redis, MariaDB, MongoDB, Pub/Sub and SES (testkit), a real
 * control plane (etcd, kube-apiserver, kube-controller-manager), {@code operator.jar} as its own
 * process and ServiceAccount, and testkit's {@link LocalKubelet} running the pods the real
 * Deployment controller makes from the operator's Deployment as {@code worker.jar} processes.
 * In-cluster names from the manifests resolve through a {@link HostMapping}.
 *
 * <p>Steps are separate methods so the demo can narrate them and tests can assert between them;
 * {@link #close()} stops everything that was started, in reverse order, and is safe to call twice
 * (the demo calls it from a shutdown hook too).
 */
public final class LocalSystem implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String PIPELINES = "infra.vibework.io/v1alpha1";

  /**
   * @param repoRoot where {@code crds/} and {@code .local/ses} live
   * @param workDir logs, kubeconfig, hosts file
   */
  public record Settings(
      Path repoRoot,
      Path workerJar,
      Path operatorJar,
      Path crds,
      Path examples,
      Path workDir,
      PrintStream out) {}

  private final Settings settings;
  private final PrintStream out;
  private final Manifests manifests;
  private final Manifests.Pipeline pipeline;
  private final List<AutoCloseable> started = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(2))
          .version(HttpClient.Version.HTTP_1_1)
          .build();

  private RedisServer redis;
  private MariaDbServer mysql;
  private PubSubEmulator pubsub;
  private SesEmulator ses;
  private MongoServer mongo;
  private String redisPassword;
  private String mongoDatabase;
  private BackendData data;
  private String mongoHostPort;
  private HostMapping hosts;
  private KubeControlPlane kube;
  private Path kubeconfig;
  private Kubectl kubectl;
  private Process operator;
  private int operatorPort;
  private LocalKubelet kubelet;
  private final List<String> filledSecretValues = new ArrayList<>();
  private boolean closed;

  public LocalSystem(Settings settings) {
    this.settings = settings;
    this.out = settings.out();
    for (Path jar : List.of(settings.workerJar(), settings.operatorJar())) {
      if (!Files.isRegularFile(jar)) {
        throw new IllegalStateException(
            jar
                + " not found: build it first (mvn -B -q -pl worker,operator -am package -DskipTests, or make build)");
      }
    }
    try {
      Files.createDirectories(settings.workDir());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.manifests = Manifests.load(settings.examples());
    this.pipeline = manifests.pipeline();
  }

  public Manifests manifests() {
    return manifests;
  }

  public Manifests.Pipeline pipeline() {
    return pipeline;
  }

  // ---- 1. local services matching the manifests ------------------------------------------------

  /**
   * Starts the servers the example pipeline points at (in parallel) and maps its host names to
   * them.
   */
  public void startServices() {
    if (!pipeline.mysqlDatabase().equals(MariaDbServer.DATABASE)) {
      throw new IllegalStateException(
          "the example pipeline reads MySQL database '"
              + pipeline.mysqlDatabase()
              + "'; the local MariaDB serves '"
              + MariaDbServer.DATABASE
              + "' only: use that name in the example");
    }
    redisPassword =
        pipeline.redisPasswordSecret() == null
            ? null
            : manifests
                .secret(pipeline.namespace(), pipeline.redisPasswordSecret())
                .get(pipeline.redisPasswordKey());
    redis = new RedisServer();
    if (redisPassword != null) {
      redis.requirePassword(
          redisPassword); // the Secret's value is the password the local Redis asks for
    }
    mysql = new MariaDbServer();
    pubsub = new PubSubEmulator(pipeline.projectId());
    ses = new SesEmulator(settings.repoRoot().resolve(".local/ses"));
    mongo = new MongoServer();
    started.addAll(List.of(redis, mysql, pubsub, ses, mongo));
    CompletableFuture.allOf(
            CompletableFuture.runAsync(redis::start),
            CompletableFuture.runAsync(mysql::start),
            CompletableFuture.runAsync(pubsub::start),
            CompletableFuture.runAsync(ses::start),
            CompletableFuture.runAsync(mongo::start))
        .join();

    String mongoUrl =
        manifests.secret(pipeline.namespace(), pipeline.mongoSecret()).get(pipeline.mongoKey());
    String[] mongoParts = parseMongoUrl(mongoUrl);
    mongoHostPort = mongoParts[0];
    mongoDatabase = mongoParts[1];
    data = new BackendData(mysql, mongo.connectionString(), mongoDatabase);
    started.add(data);

    hosts = new HostMapping(settings.workDir().resolve("hosts"));
    started.add(hosts);
    map(
        pipeline.redisUrl().getHost(),
        pipeline.redisUrl().getPort() < 0 ? 6379 : pipeline.redisUrl().getPort(),
        redis.port(),
        "redis");
    map(pipeline.mysqlHost(), pipeline.mysqlPort(), mysql.port(), "mariadb");
    map(pipeline.pubsubHost(), pipeline.pubsubPort(), pubsub.port(), "pubsub emulator");
    map(
        pipeline.sesEndpoint().getHost(),
        pipeline.sesEndpoint().getPort() < 0 ? 80 : pipeline.sesEndpoint().getPort(),
        ses.port(),
        "ses");
    map(
        mongoHostPort.substring(0, mongoHostPort.lastIndexOf(':')),
        Integer.parseInt(mongoHostPort.substring(mongoHostPort.lastIndexOf(':') + 1)),
        mongo.port(),
        "mongodb");
    out.println(
        "  name resolution for the operator and workers: -Djdk.net.hosts.file="
            + hosts.hostsFile());
  }

  private void map(String host, int port, int localPort, String what) {
    String address = hosts.map(host, port, localPort);
    out.printf(
        "  %-16s 127.0.0.1:%-5d <- %s:%d (%s:%d)%n", what, localPort, host, port, address, port);
  }

  /** {host:port, database} of a {@code mongodb://} URL (credentials ignored). */
  static String[] parseMongoUrl(String url) {
    if (url == null || !url.startsWith("mongodb://")) {
      throw new IllegalStateException(
          "the demo needs a mongodb:// URL in the MongoDB Secret (mongodb+srv:// needs DNS)");
    }
    String rest = url.substring("mongodb://".length());
    int slash = rest.indexOf('/');
    String authority = slash < 0 ? rest : rest.substring(0, slash);
    String path = slash < 0 ? "" : rest.substring(slash + 1);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    String first = authority.split(",")[0];
    if (!first.contains(":")) {
      first = first + ":27017";
    }
    int q = path.indexOf('?');
    String database = q < 0 ? path : path.substring(0, q);
    return new String[] {first, database.isEmpty() ? "test" : database};
  }

  // ---- 2. data ---------------------------------------------------------------------------

  /** The backend's users and notifications, as the example pipeline's workers read them. */
  public BackendData data() {
    return data;
  }

  public String mongoDatabase() {
    return mongoDatabase;
  }

  /** The subscription the demo reads notification-sent events from. */
  public String sentWatch() {
    return pipeline.sentTopic() + "-demo-watch";
  }

  public String deadLetterWatch() {
    return pipeline.deadLetterTopic() == null ? null : pipeline.deadLetterTopic() + "-demo-watch";
  }

  /**
   * The topics and subscription named in the pipeline, plus subscriptions the demo reads outcomes
   * from.
   */
  public void createTopics() {
    pubsub.createTopic(pipeline.topic());
    pubsub.createSubscription(pipeline.subscription(), pipeline.topic(), 10);
    pubsub.createTopic(pipeline.sentTopic());
    pubsub.createSubscription(sentWatch(), pipeline.sentTopic(), 60);
    if (pipeline.deadLetterTopic() != null) {
      pubsub.createTopic(pipeline.deadLetterTopic());
      pubsub.createSubscription(deadLetterWatch(), pipeline.deadLetterTopic(), 60);
    }
  }

  public PubSubEmulator pubsub() {
    return pubsub;
  }

  public SesEmulator ses() {
    return ses;
  }

  public MongoServer mongo() {
    return mongo;
  }

  // ---- 3. the real control plane -------------------------------------------------------------

  /**
   * etcd, kube-apiserver and kube-controller-manager (testkit's {@link KubeControlPlane}) on
   * loopback; kubectl and this class talk to it as an admin, the operator as its own
   * ServiceAccount.
   */
  public KubeControlPlane startControlPlane() {
    kube = new KubeControlPlane().withControllerManager();
    started.add(kube);
    kube.start();
    kubeconfig = kube.writeKubeconfig(settings.workDir().resolve("kubeconfig"), kube.adminToken());
    kubectl = new Kubectl(kubeconfig);
    return kube;
  }

  public KubeControlPlane controlPlane() {
    return kube;
  }

  /** An admin client of the control plane (closed with it). */
  public KubernetesClient client() {
    return kube.adminClient();
  }

  /** The admin kubeconfig, for kubectl by hand. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  public Kubectl kubectl() {
    return kubectl;
  }

  /**
   * The local MariaDB has its own user; the example Secret's placeholder credentials are replaced
   * by it (and credentials dropped from the MongoDB URL: the local MongoDB has no users). Done
   * before the operator starts, so the workers start once with the right values.
   */
  public void fillSecretsForLocalServices() {
    String ns = pipeline.namespace();
    replaceSecretValues(
        ns, pipeline.mysqlSecret(), Map.of("username", mysql.user(), "password", mysql.password()));
    out.println(
        "  Secret "
            + ns
            + "/"
            + pipeline.mysqlSecret()
            + ": username and password set to the local MariaDB's (values not shown)");
    String mongoUrl = manifests.secret(ns, pipeline.mongoSecret()).get(pipeline.mongoKey());
    String plain = "mongodb://" + mongoHostPort + "/" + mongoDatabase;
    if (!mongoUrl.startsWith(plain)) {
      replaceSecretValues(ns, pipeline.mongoSecret(), Map.of(pipeline.mongoKey(), plain));
      out.println(
          "  Secret "
              + ns
              + "/"
              + pipeline.mongoSecret()
              + ": credentials removed from the URL (the local MongoDB has no users)");
    }
    if (redisPassword != null) {
      out.println(
          "  Secret "
              + ns
              + "/"
              + pipeline.redisPasswordSecret()
              + ": unchanged; the local Redis requires that password");
    }
  }

  private void replaceSecretValues(String ns, String name, Map<String, String> values) {
    Secret secret = client().secrets().inNamespace(ns).withName(name).get();
    if (secret == null) {
      throw new IllegalStateException("Secret " + ns + "/" + name + " was not applied");
    }
    Map<String, String> data =
        secret.getData() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(secret.getData());
    values.forEach(
        (k, v) -> {
          data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8)));
          filledSecretValues.add(v);
        });
    secret.setData(data);
    secret.setStringData(null);
    client().secrets().inNamespace(ns).resource(secret).update();
  }

  /** Every secret value the system holds: the examples' and the ones filled in. */
  public List<String> secretValues() {
    List<String> all = new ArrayList<>(manifests.allSecretValues());
    all.addAll(filledSecretValues);
    return all;
  }

  // ---- 4. operator and kubelet -------------------------------------------------------------

  public static final String OPERATOR_NAMESPACE = "notification-operator";
  public static final String OPERATOR_ACCOUNT = "notification-operator";

  /** The user name the API server's audit log gives the operator's requests. */
  public static String operatorUser() {
    return "system:serviceaccount:" + OPERATOR_NAMESPACE + ":" + OPERATOR_ACCOUNT;
  }

  public Path operatorLog() {
    return settings.workDir().resolve("operator.log");
  }

  /**
   * {@code operator.jar} as its own process, authenticated as its own ServiceAccount (bound to
   * cluster-admin here: the chart's exact RBAC has a test of its own).
   */
  public void startOperator() {
    KubernetesClient admin = client();
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .createOr(NonDeletingOperation::update);
    admin
        .serviceAccounts()
        .inNamespace(OPERATOR_NAMESPACE)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(OPERATOR_ACCOUNT)
                .withNamespace(OPERATOR_NAMESPACE)
                .endMetadata()
                .build())
        .createOr(NonDeletingOperation::update);
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("notification-operator-local")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(OPERATOR_ACCOUNT)
                .withNamespace(OPERATOR_NAMESPACE)
                .endSubject()
                .build())
        .createOr(NonDeletingOperation::update);
    Path operatorKubeconfig =
        kube.writeKubeconfig(
            settings.workDir().resolve("operator-kubeconfig"),
            kube.serviceAccountToken(OPERATOR_NAMESPACE, OPERATOR_ACCOUNT));
    operatorPort = Ports.free();
    List<String> command =
        new ArrayList<>(
            List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    command.addAll(hosts.jvmOptions());
    command.addAll(List.of("-jar", settings.operatorJar().toString()));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(operatorLog().toFile()));
    Map<String, String> env = builder.environment();
    String path = env.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    env.clear();
    env.put("PATH", path);
    env.put("KUBECONFIG", operatorKubeconfig.toString());
    env.put("WATCH_NAMESPACES", "");
    env.put("LEADER_ELECTION_ENABLED", "false");
    env.put("PROBE_INTERVAL_SECONDS", "2");
    env.put("HTTP_PORT", String.valueOf(operatorPort));
    env.put("LOG_LEVEL", "info");
    try {
      operator = builder.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start operator.jar: " + e.getMessage(), e);
    }
    started.add(() -> stopProcess(operator, Duration.ofSeconds(15)));
    Instant deadline = Instant.now().plusSeconds(60);
    while (!"200".equals(get("http://127.0.0.1:" + operatorPort + "/readyz", true))) {
      if (!operator.isAlive()) {
        throw new IllegalStateException(
            "operator.jar exited with code "
                + operator.exitValue()
                + "; log "
                + operatorLog()
                + ":\n"
                + tail(operatorLog()));
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "operator.jar not ready within 60 s; log "
                + operatorLog()
                + ":\n"
                + tail(operatorLog()));
      }
      sleep(200);
    }
  }

  public int operatorHttpPort() {
    return operatorPort;
  }

  public long operatorPid() {
    return operator.pid();
  }

  /**
   * testkit's {@link LocalKubelet}: the pods the real Deployment and ReplicaSet controllers make
   * from the operator's Deployment run as {@code worker.jar} processes, each listening on its own
   * pod IP at 8080 (where the operator probes it), in-cluster names resolved through the {@link
   * HostMapping}.
   */
  public LocalKubelet startKubelet() {
    attachFileLog(LocalKubelet.class, kubeletLog());
    List<String> jvm =
        new ArrayList<>(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    jvm.addAll(hosts.jvmOptions());
    LocalKubelet.Runtime java = LocalKubelet.Runtime.javaJar(settings.workerJar(), jvm);
    kubelet =
        new LocalKubelet(kube)
            .withRuntime(
                (pod, container, podIp, env) -> {
                  env.put("HTTP_BIND_ADDRESS", podIp);
                  env.put("HTTP_PORT", "8080");
                  return java.command(pod, container, podIp, env);
                });
    started.add(kubelet);
    return kubelet.start();
  }

  public LocalKubelet kubelet() {
    return kubelet;
  }

  public Path kubeletLog() {
    return settings.workDir().resolve("kubelet.log");
  }

  /** The worker pods of the example pipeline, as the API has them. */
  public List<Pod> workerPods() {
    return client()
        .pods()
        .inNamespace(pipeline.namespace())
        .withLabel("app.kubernetes.io/instance", pipeline.name())
        .list()
        .getItems();
  }

  public HostMapping hosts() {
    return hosts;
  }

  private static void attachFileLog(Class<?> type, Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    ch.qos.logback.classic.Logger logger = context.getLogger(type);
    String name = "file-" + type.getSimpleName();
    if (logger.getAppender(name) != null) {
      logger.detachAppender(name);
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName(name);
    appender.setFile(file.toString());
    appender.setEncoder(encoder);
    appender.start();
    logger.addAppender(appender);
  }

  // ---- 5. observing ----------------------------------------------------------------------

  public GenericKubernetesResource pipelineResource() {
    return client()
        .genericKubernetesResources(PIPELINES, "NotificationPipeline")
        .inNamespace(pipeline.namespace())
        .withName(pipeline.name())
        .get();
  }

  public GenericKubernetesResource cacheConfigResource(String name) {
    return client()
        .genericKubernetesResources(PIPELINES, "CacheConfig")
        .inNamespace(pipeline.namespace())
        .withName(name)
        .get();
  }

  /** {@code status.conditions[type=Ready]} as "status/reason", or "-" before the first status. */
  public static String ready(GenericKubernetesResource r) {
    JsonNode status =
        JSON.valueToTree(r == null ? Map.of() : r.getAdditionalProperties()).path("status");
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return c.path("status").asText() + "/" + c.path("reason").asText();
      }
    }
    return "-";
  }

  public static JsonNode status(GenericKubernetesResource r) {
    return JSON.valueToTree(r == null ? Map.of() : r.getAdditionalProperties()).path("status");
  }

  /**
   * Waits until the pipeline is Ready=True with every /readyz check {@code ok}, printing each
   * change of its Ready condition on the way.
   */
  public JsonNode awaitPipelineReady(Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String last = null;
    while (true) {
      GenericKubernetesResource p = pipelineResource();
      JsonNode status = status(p);
      String now = ready(p);
      if (!Objects.equals(now, last)) {
        out.printf(
            "  %s  Ready=%s  replicas=%s readyReplicas=%s health=%s%n",
            Instant.now().toString().substring(11, 19),
            now,
            status.path("replicas").asText("-"),
            status.path("readyReplicas").asText("-"),
            status.path("health").path("status").asText("-"));
        last = now;
      }
      boolean allOk = status.path("health").path("checks").size() > 0;
      for (JsonNode check : status.path("health").path("checks")) {
        allOk &= "ok".equals(check.asText());
      }
      if ("True/WorkersReady".equals(now)
          && "ready".equals(status.path("health").path("status").asText())
          && allOk) {
        return status;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "pipeline "
                + pipeline.namespace()
                + "/"
                + pipeline.name()
                + " not Ready with health within "
                + timeout.toSeconds()
                + " s; last status: "
                + status
                + "\noperator log "
                + operatorLog()
                + ":\n"
                + tail(operatorLog()));
      }
      if (operator != null && !operator.isAlive()) {
        throw new IllegalStateException(
            "operator.jar exited with code " + operator.exitValue() + ":\n" + tail(operatorLog()));
      }
      sleep(250);
    }
  }

  /**
   * Waits for the pipeline's CacheConfig to report Ready=True (Redis answered the operator's PING).
   */
  public JsonNode awaitCacheReady(String name, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      GenericKubernetesResource c = cacheConfigResource(name);
      if (ready(c).startsWith("True/")) {
        return status(c);
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "CacheConfig "
                + name
                + " not Ready within "
                + timeout.toSeconds()
                + " s: "
                + status(c));
      }
      sleep(250);
    }
  }

  /**
   * Log lines (operator, kubelet) that contain one of the secret values; empty is the goal. Values
   * shorter than 8 characters are not searched for: the examples' MySQL user name {@code notify} is
   * also part of the namespace name.
   */
  public List<String> secretLeaks() {
    List<String> leaks = new ArrayList<>();
    for (Path log : List.of(operatorLog(), kubeletLog())) {
      if (!Files.exists(log)) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(log)) {
          for (String secret : secretValues()) {
            if (secret.length() >= 8 && line.contains(secret)) {
              leaks.add(
                  log.getFileName()
                      + ": a line contains the value of a secret (length "
                      + secret.length()
                      + ")");
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return leaks;
  }

  // ---- helpers -------------------------------------------------------------------------------

  /**
   * The HTTP status of a GET (as text), or the body when {@code statusOnly} is false; null when
   * nothing answered.
   */
  public String get(String url, boolean statusOnly) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET().build(),
              HttpResponse.BodyHandlers.ofString());
      return statusOnly ? String.valueOf(r.statusCode()) : r.body();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static void stopProcess(Process p, Duration grace) {
    if (p == null || !p.isAlive()) {
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Stops everything started, newest first (kubelet and its workers, operator, control plane,
   * forwarders, servers).
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<AutoCloseable> reversed = new ArrayList<>(started);
    Collections.reverse(reversed);
    // Workers and the operator first (they hold connections), servers last, in parallel where it is
    // safe.
    for (AutoCloseable c : reversed) {
      try {
        c.close();
      } catch (Exception e) {
        out.println(
            "  (while stopping: " + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
      }
    }
  }
}
