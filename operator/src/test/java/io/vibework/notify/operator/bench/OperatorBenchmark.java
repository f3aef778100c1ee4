package io.vibework.notify.operator.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.config.OperatorConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.LoggerFactory;

/**
 * N pipelines (cpu 0.5 / memory 1024Mi requests) sharing one CacheConfig in the CRUD mock (its own
 * JVM, storing quantities canonically like kube-apiserver). Prints: seconds until every pipeline
 * has its Deployment and a status, API writes per pipeline, writes during a quiet period, and this
 * JVM's heap after a full GC (the operator plus this small driver).
 *
 * <p>Arguments: [pipelines=1000] [quietSeconds=60]
 */
public final class OperatorBenchmark {

  private OperatorBenchmark() {}

  /** Counts the operator's own writes as its client sends them. */
  static final class WriteCounter implements Interceptor {
    final AtomicLong writes = new AtomicLong();
    final ConcurrentMap<String, AtomicLong> byKind = new ConcurrentSkipListMap<>();

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
      String m = request.method();
      if (!"GET".equals(m) && !"HEAD".equals(m)) {
        writes.incrementAndGet();
        byKind
            .computeIfAbsent(m + " " + kind(request.uri().getPath()), k -> new AtomicLong())
            .incrementAndGet();
      }
    }

    // .../namespaces/<ns>/<plural>[/<name>[/status]] -> plural or plural/status
    private static String kind(String path) {
      String[] parts = path.split("/");
      for (int i = 0; i < parts.length - 2; i++) {
        if (parts[i].equals("namespaces")) {
          String plural = parts[i + 2];
          return path.endsWith("/status") ? plural + "/status" : plural;
        }
      }
      return path;
    }
  }

  public static void main(String[] args) throws Exception {
    int pipelines = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int quietSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process mock =
        new ProcessBuilder(
                java,
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                MockApiServerMain.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      int port = readPort(mock);
      Config config =
          new ConfigBuilder()
              .withMasterUrl("http://127.0.0.1:" + port)
              .withNamespace("bench")
              .build();
      WriteCounter counter = new WriteCounter();
      try (KubernetesClient admin = new KubernetesClientBuilder().withConfig(config).build();
          KubernetesClient operatorClient =
              new KubernetesClientBuilder()
                  .withConfig(config)
                  .withHttpClientBuilderConsumer(
                      b -> b.addOrReplaceInterceptor("count-writes", counter))
                  .build()) {
        run(admin, operatorClient, counter, pipelines, quietSeconds);
      }
    } finally {
      mock.getOutputStream().close();
      if (!mock.waitFor(10, TimeUnit.SECONDS)) {
        mock.destroyForcibly();
      }
    }
    System.exit(0);
  }

  private static void run(
      KubernetesClient admin,
      KubernetesClient operatorClient,
      WriteCounter counter,
      int n,
      int quietSeconds)
      throws Exception {
    String ns = "bench";
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    for (var s :
        List.of(
            Fixtures.redisSecret(ns),
            Fixtures.mysqlSecret(ns),
            Fixtures.mongoSecret(ns),
            Fixtures.awsSecret(ns),
            Fixtures.pubsubSecret(ns))) {
      admin.resource(s).create();
    }
    // Nothing listens on port 1: the CacheConfig is reported unreachable, steadily.
    admin.resource(Fixtures.cacheConfig(ns, "shared-cache", "redis://127.0.0.1:1", true)).create();

    OperatorConfig config =
        new OperatorConfig(Set.of(), Duration.ofSeconds(30), false, null, "bench-lock", 0, "warn");
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    try (OperatorApp app =
        OperatorApp.start(
            config,
            operatorClient,
            p -> URI.create("http://127.0.0.1:1/readyz"),
            Clock.systemUTC())) {
      // Watch rather than list: polling full lists of 1000 objects would load the mock more than
      // the operator does.
      var deploymentInformer = admin.apps().deployments().inNamespace(ns).inform();
      var pipelineInformer = admin.resources(NotificationPipeline.class).inNamespace(ns).inform();
      long start = System.nanoTime();
      ExecutorService creators = Executors.newFixedThreadPool(8);
      for (int i = 0; i < n; i++) {
        String name = String.format(Locale.ROOT, "pipeline-%04d", i);
        creators.submit(() -> admin.resource(sized(ns, name)).create());
      }
      creators.shutdown();
      creators.awaitTermination(5, TimeUnit.MINUTES);
      double created = seconds(start);
      while (true) {
        int deployments = deploymentInformer.getStore().list().size();
        long withStatus =
            pipelineInformer.getStore().list().stream()
                .filter(p -> p.getStatus() != null && p.getStatus().conditions() != null)
                .count();
        if (deployments >= n && withStatus >= n) {
          break;
        }
        if (seconds(start) > 600) {
          System.out.println(
              "gave up after 600 s: deployments=" + deployments + " statuses=" + withStatus);
          break;
        }
        Thread.sleep(50);
      }
      double reconciled = seconds(start);
      // Let in-flight events (status echoes, the CacheConfig's first check) settle before counting.
      Thread.sleep(3000);
      long writes = counter.writes.get();
      String breakdown = counter.byKind.toString();
      counter.writes.set(0);
      counter.byKind.clear();
      Thread.sleep(quietSeconds * 1000L);
      long quietWrites = counter.writes.get();
      var memory = ManagementFactory.getMemoryMXBean();
      deploymentInformer.close();
      pipelineInformer.close();
      long heap = measureHeap(memory);

      System.out.printf(Locale.ROOT, "pipelines: %d%n", n);
      System.out.printf(Locale.ROOT, "seconds_to_create_all: %.1f%n", created);
      System.out.printf(
          Locale.ROOT,
          "seconds_until_all_have_deployment_and_status: %.1f (target <= 30)%n",
          reconciled);
      System.out.printf(Locale.ROOT, "api_writes_total: %d%n", writes);
      System.out.printf(Locale.ROOT, "api_writes_per_pipeline: %.2f%n", writes / (double) n);
      System.out.printf(Locale.ROOT, "api_writes_by_kind: %s%n", breakdown);
      System.out.printf(
          Locale.ROOT,
          "writes_during_quiet_%ds: %d (target 0) %s%n",
          quietSeconds,
          quietWrites,
          counter.byKind);
      System.out.printf(
          Locale.ROOT, "heap_after_full_gc_mib: %.1f (target <= 200)%n", heap / 1048576.0);
    }
  }

  /**
   * Two workers with requests a real API server rewrites (0.5 -> 500m, 1024Mi -> 1Gi; the mock does
   * the same), so the quiet period also shows the operator writes canonical quantities.
   */
  private static NotificationPipeline sized(String ns, String name) {
    return new NotificationPipeline(
        ns,
        name,
        Fixtures.specBuilder("shared-cache", 2)
            .resources(
                new ResourceRequirementsBuilder()
                    .addToRequests("cpu", new Quantity("0.5"))
                    .addToRequests("memory", new Quantity("1024Mi"))
                    .build())
            .build());
  }

  // The driver's own informer caches are closed first, so what remains is the operator's.
  private static long measureHeap(MemoryMXBean memory) throws InterruptedException {
    memory.gc();
    Thread.sleep(500);
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  private static int readPort(Process mock) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(mock.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("MOCK_PORT=")) {
        return Integer.parseInt(line.substring("MOCK_PORT=".length()).trim());
      }
    }
    throw new IllegalStateException("mock API server exited before printing its port");
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
