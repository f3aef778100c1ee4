package io.vibework.notify.operator.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.cluster.Crds;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.testkit.kube.AuditEvent;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.LocalKubelet;
import io.vibework.notify.worker.health.HealthServer;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.LoggerFactory;

/**
 * N pipelines (cpu 0.5 / memory 1024Mi requests, two workers each) sharing one CacheConfig and its
 * Secrets, on the real control plane: kube-apiserver and etcd, kube-controller-manager making the
 * ReplicaSets and pods, and a kubelet of ours that reports every pod Running and Ready. The
 * operator runs in this JVM as its own ServiceAccount (bound to cluster-admin), so the API server's
 * audit log tells its writes from everyone else's.
 *
 * <p>Prints: the API server's own time to accept the N creates, seconds until every pipeline is
 * Ready (and the ratio of the two), the operator's writes per pipeline and during a quiet period
 * (from the audit log), and this JVM's heap after a full GC once the driver's and the kubelet's
 * caches are closed (the operator plus this small driver).
 *
 * <p>Also: seconds until every worker Deployment has its pods ready (kube-controller-manager and
 * the kubelet, the part the operator does not control), the JVM's CPU seconds per pipeline during
 * the burst and per pipeline per hour during the quiet period (the JVM also runs this driver and
 * the kubelet, so the figures are upper bounds for the operator), reconciles, and the operator's
 * reads (get, list) during the quiet period.
 *
 * <p>Arguments: [pipelines=1000] [quietSeconds=60] [probeSeconds=10]
 */
public final class OperatorBenchmark {

  private static final String NS = "bench";
  private static final int PER_NAMESPACE = 100;

  private OperatorBenchmark() {}

  public static void main(String[] args) throws Exception {
    int pipelines = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int quietSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
    int probeSeconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
    // The controller manager's default client limit (20 requests/s) would make it, not the
    // operator, the bottleneck for thousands of ReplicaSets and pods.
    try (KubeControlPlane kube =
            new KubeControlPlane()
                .withControllerManagerFlag("--kube-api-qps=1000")
                .withControllerManagerFlag("--kube-api-burst=2000")
                .withControllerManagerFlag("--concurrent-deployment-syncs=20")
                .withControllerManagerFlag("--concurrent-replicaset-syncs=20")
                // Their every write fails here (loopback pod addresses, 422) and is retried: 13
                // writes per pipeline, 40% of the controller manager's, that a real cluster makes
                // once and right.
                .withoutControllers("endpoints-controller", "endpointslice-controller")
                .withApiServerFlag("--max-requests-inflight=1000")
                // One ClusterIP per pipeline: the tests' /24 holds 254 Services.
                .withApiServerFlag("--service-cluster-ip-range=10.96.0.0/16")
                .start();
        LocalKubelet kubelet = new LocalKubelet(kube).alwaysReady().start()) {
      run(kube, kubelet, pipelines, quietSeconds, probeSeconds);
    }
    System.exit(0);
  }

  private static void run(
      KubeControlPlane kube, LocalKubelet kubelet, int n, int quietSeconds, int probeSeconds)
      throws Exception {
    KubernetesClient admin = kube.adminClient();
    Crds.apply(admin);
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    admin
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("operator")
                .withNamespace(NS)
                .endMetadata()
                .build())
        .create();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName("bench-operator")
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("operator")
                .withNamespace(NS)
                .endSubject()
                .build())
        .create();
    String user = "system:serviceaccount:" + NS + ":operator";
    // Teams' namespaces of PER_NAMESPACE pipelines each, each with its CacheConfig and Secrets:
    // kube-controller-manager's ReplicaSet, Deployment and disruption controllers scan every pod of
    // a namespace per sync, so 10,000 in one namespace measured their quadratic cost, not the
    // operator's (1,200 Ready after 12 minutes).
    int perNamespace =
        Integer.parseInt(
            System.getenv().getOrDefault("PER_NAMESPACE", String.valueOf(PER_NAMESPACE)));
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i * perNamespace < n; i++) {
      String ns = String.format(Locale.ROOT, "team-%03d", i);
      namespaces.add(ns);
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      Fixtures.secrets(ns).forEach(secret -> admin.resource(secret).create());
      // Nothing listens on port 1: the CacheConfig is reported unreachable, steadily.
      admin
          .resource(Fixtures.cacheConfig(ns, "shared-cache", "redis://127.0.0.1:1", true))
          .create();
    }

    OperatorConfig config =
        new OperatorConfig(
            Set.of(), Duration.ofSeconds(probeSeconds), false, null, "bench-lock", 0, "warn");
    HealthServer worker =
        HealthServer.start(
            0,
            List.of(),
            Map::of,
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    try (KubernetesClient operatorClient =
            kube.clientFor(kube.serviceAccountToken(NS, "operator"));
        OperatorApp app =
            OperatorApp.start(
                config,
                operatorClient,
                p -> URI.create("http://127.0.0.1:" + worker.port() + "/readyz"),
                Clock.systemUTC())) {
      var pipelineInformer = admin.resources(NotificationPipeline.class).inAnyNamespace().inform();
      var deploymentInformer = admin.apps().deployments().inAnyNamespace().inform();
      long cpuStart = cpuNanos();
      Map<String, Duration> serversCpuStart = serversCpu();
      long start = System.nanoTime();
      ExecutorService creators = Executors.newFixedThreadPool(8);
      for (int i = 0; i < n; i++) {
        String name = String.format(Locale.ROOT, "pipeline-%05d", i);
        String ns = namespaces.get(i / perNamespace);
        creators.submit(() -> admin.resource(sized(ns, name)).create());
      }
      creators.shutdown();
      creators.awaitTermination(30, TimeUnit.MINUTES);
      double created = seconds(start);
      double workersReady = -1;
      long ready;
      // MAX_WAIT=seconds: give up waiting then and report what is Ready (a 10,000 run on 2 cores).
      long maxWait = Long.parseLong(Objects.requireNonNullElse(System.getenv("MAX_WAIT"), "3600"));
      long nextProgress = 60;
      while (true) {
        if (workersReady < 0
            && deploymentInformer.getStore().list().stream()
                    .filter(
                        d ->
                            d.getStatus() != null
                                && d.getStatus().getReadyReplicas() != null
                                && d.getStatus().getReadyReplicas() >= d.getSpec().getReplicas())
                    .count()
                >= n) {
          workersReady = seconds(start);
        }
        ready =
            pipelineInformer.getStore().list().stream()
                .filter(p -> p.getStatus() != null && p.getStatus().conditions() != null)
                .filter(p -> Conditions.isTrue(p.getStatus().conditions(), Conditions.READY))
                .count();
        if (ready >= n || seconds(start) > maxWait) {
          break;
        }
        if (seconds(start) > nextProgress) {
          System.err.printf(Locale.ROOT, "%.0f s: %d of %d Ready%n", seconds(start), ready, n);
          nextProgress += 60;
        }
        Thread.sleep(200);
      }
      double allReady = seconds(start);
      double burstCpu = (cpuNanos() - cpuStart) / 1e9;
      Map<String, String> serversBurstCpu = new TreeMap<>();
      serversCpu()
          .forEach(
              (name, cpu) ->
                  serversBurstCpu.put(
                      name,
                      String.format(
                          Locale.ROOT,
                          "%.1f",
                          cpu.minus(serversCpuStart.getOrDefault(name, Duration.ZERO)).toMillis()
                              / 1000.0)));
      // Let in-flight events (status echoes, the CacheConfig's first check) settle before counting.
      Thread.sleep(5000);
      double reconcilesBurst = reconciles(app);
      List<AuditEvent> burst = kube.auditEvents(e -> user.equals(e.user()) && e.isWrite());
      int writes = burst.size();
      Map<String, Long> byKind =
          burst.stream()
              .collect(
                  Collectors.groupingBy(
                      e ->
                          e.verb()
                              + " "
                              + e.resource()
                              + (e.subresource() == null || e.subresource().isEmpty()
                                  ? ""
                                  : "/" + e.subresource()),
                      TreeMap::new,
                      Collectors.counting()));
      // Who else wrote until Ready: each controller of kube-controller-manager (one identity) by
      // its User-Agent, the driver and the kubelet (admin) by program, with the response code.
      Map<String, Long> everyWrite =
          kube.auditEvents(AuditEvent::isWrite).stream()
              .collect(
                  Collectors.groupingBy(
                      e ->
                          (user.equals(e.user()) ? "operator" : agent(e))
                              + " "
                              + e.verb()
                              + " "
                              + e.resource()
                              + (e.subresource() == null || e.subresource().isEmpty()
                                  ? ""
                                  : "/" + e.subresource())
                              + " "
                              + e.code(),
                      TreeMap::new,
                      Collectors.counting()));
      // Only figures are kept past this point: the lists would count in the heap measured below.
      burst = null;
      int requestsBefore = kube.auditEvents(e -> user.equals(e.user())).size();
      long quietCpuStart = cpuNanos();
      Thread.sleep(quietSeconds * 1000L);
      double quietCpu = (cpuNanos() - quietCpuStart) / 1e9;
      double reconcilesQuiet = reconciles(app) - reconcilesBurst;
      List<AuditEvent> after = kube.auditEvents(e -> user.equals(e.user()) && e.isWrite());
      int quietWrites = after.size() - writes;
      List<String> quietSample =
          after.subList(writes, after.size()).stream().limit(5).map(AuditEvent::toString).toList();
      after = null;
      List<AuditEvent> allAfter = kube.auditEvents(e -> user.equals(e.user()));
      Map<String, Long> quietReads =
          allAfter.subList(requestsBefore, allAfter.size()).stream()
              .filter(e -> e.verb().equals("get") || e.verb().equals("list"))
              .collect(
                  Collectors.groupingBy(
                      e -> e.verb() + " " + e.resource(), TreeMap::new, Collectors.counting()));
      allAfter = null;
      // The driver's and the kubelet's caches must be unreachable too, or their copies of every
      // Deployment, pipeline and pod would count as the operator's.
      deploymentInformer.close();
      deploymentInformer = null;
      var memory = ManagementFactory.getMemoryMXBean();
      pipelineInformer.close();
      pipelineInformer = null;
      kubelet.close();
      long heap = measureHeap(memory);
      if (System.getenv("HISTOGRAM") != null) {
        // HISTOGRAM=25: the classes holding most of that heap (what to shrink next).
        printHistogram(Integer.parseInt(System.getenv("HISTOGRAM")));
      }

      System.out.printf(
          Locale.ROOT,
          "control_plane: kube-apiserver, etcd, kube-controller-manager (%s)%n",
          kube.url());
      System.out.printf(
          Locale.ROOT,
          "pipelines: %d (ready: %d) in %d namespaces, each with its CacheConfig and Secrets%n",
          n,
          ready,
          namespaces.size());
      System.out.printf(
          Locale.ROOT,
          "seconds_to_create_all: %.1f (the API server accepting the creates)%n",
          created);
      System.out.printf(
          Locale.ROOT,
          "seconds_until_all_workers_ready: %.1f (kube-controller-manager and the kubelet)%n",
          workersReady);
      System.out.printf(Locale.ROOT, "seconds_until_all_ready: %.1f%n", allReady);
      System.out.printf(
          Locale.ROOT, "ready_over_create_ratio: %.2f (target <= 2)%n", allReady / created);
      System.out.printf(Locale.ROOT, "api_writes_total: %d%n", writes);
      System.out.printf(
          Locale.ROOT, "api_writes_per_pipeline: %.2f (target <= 5)%n", writes / (double) n);
      System.out.printf(Locale.ROOT, "api_writes_by_kind: %s%n", byKind);
      System.out.printf(
          Locale.ROOT,
          "cpu_seconds_until_ready_by_process: %s, benchmark JVM %.1f%n",
          serversBurstCpu,
          burstCpu);
      System.out.println(
          "every client's writes until ready, per pipeline (client verb resource code):");
      everyWrite.forEach(
          (key, count) ->
              System.out.printf(Locale.ROOT, "  %-70s %8.2f%n", key, count / (double) n));
      System.out.printf(
          Locale.ROOT,
          "writes_during_quiet_%ds: %d (target 0) %s%n",
          quietSeconds,
          quietWrites,
          quietSample);
      System.out.printf(
          Locale.ROOT,
          "reconciles_per_pipeline: %.2f; during_quiet: %.0f%n",
          reconcilesBurst / n,
          reconcilesQuiet);
      System.out.printf(
          Locale.ROOT,
          "reads_during_quiet_%ds: %s (probe every %ds)%n",
          quietSeconds,
          quietReads,
          probeSeconds);
      System.out.printf(
          Locale.ROOT,
          "cpu_seconds_per_pipeline_until_ready: %.4f (whole JVM: operator, kubelet, driver)%n",
          burstCpu / n);
      System.out.printf(
          Locale.ROOT,
          "cpu_seconds_per_pipeline_per_hour_quiet: %.4f (whole JVM, probe every %ds)%n",
          quietCpu / n * 3600 / quietSeconds,
          probeSeconds);
      System.out.printf(
          Locale.ROOT, "heap_after_full_gc_mib: %.1f (target <= 200)%n", heap / 1048576.0);
    } finally {
      worker.close();
    }
  }

  /** kube-controller-manager's controller (its User-Agent ends in it), else the program. */
  private static String agent(AuditEvent e) {
    String ua = e.userAgent();
    String program = ua.split("[/ ]", 2)[0];
    String tail = ua.substring(ua.lastIndexOf('/') + 1);
    return tail.endsWith("controller") ? program + ":" + tail : program;
  }

  /** CPU used so far by each server process this JVM started (kube-apiserver, etcd, ...). */
  private static Map<String, Duration> serversCpu() {
    Map<String, Duration> cpu = new TreeMap<>();
    ProcessHandle.current()
        .descendants()
        .forEach(
            p ->
                p.info()
                    .command()
                    .ifPresent(
                        command ->
                            p.info()
                                .totalCpuDuration()
                                .ifPresent(
                                    d ->
                                        cpu.merge(
                                            Path.of(command).getFileName().toString(),
                                            d,
                                            Duration::plus))));
    return cpu;
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

  private static void printHistogram(int lines) throws Exception {
    String histogram =
        (String)
            ManagementFactory.getPlatformMBeanServer()
                .invoke(
                    new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcClassHistogram",
                    new Object[] {new String[0]},
                    new String[] {String[].class.getName()});
    histogram.lines().limit(lines + 3L).forEach(System.out::println);
  }

  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static double reconciles(OperatorApp app) {
    return app.registry().find("operator.sdk.reconciliations.started").counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
