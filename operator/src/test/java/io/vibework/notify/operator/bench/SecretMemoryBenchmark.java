package io.vibework.notify.operator.bench;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.operator.dependent.WorkerObjects;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * How much heap unrelated Secrets cost the operator: one pipeline runs, then N Secrets of K KiB
 * that nothing references are created in its namespace, and the operator's heap after a full GC is
 * compared before and after. The mock API server runs in its own JVM.
 *
 * <p>Arguments: [secrets=1000] [kib=100]. {@code make bench-operator-secrets}.
 */
public final class SecretMemoryBenchmark {

  private SecretMemoryBenchmark() {}

  /** Heap growth in bytes (after full GCs) caused by {@code count} Secrets of {@code kib} KiB. */
  public static long heapGrowth(int count, int kib) throws Exception {
    String ns = "mem";
    try (MockApiProcess mock = MockApiProcess.start("3g");
        KubernetesClient admin = new KubernetesClientBuilder().withConfig(mock.config(ns)).build();
        KubernetesClient operatorClient =
            new KubernetesClientBuilder().withConfig(mock.config(ns)).build()) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .create();
      for (Secret s :
          List.of(
              Fixtures.redisSecret(ns),
              Fixtures.mysqlSecret(ns),
              Fixtures.mongoSecret(ns),
              Fixtures.awsSecret(ns),
              Fixtures.pubsubSecret(ns))) {
        admin.resource(s).create();
      }
      admin.resource(Fixtures.cacheConfig(ns, "cache", "redis://127.0.0.1:1", true)).create();
      OperatorConfig config =
          new OperatorConfig(Set.of(), Duration.ofSeconds(30), false, null, "lock", 0, "warn");
      try (OperatorApp app =
          OperatorApp.start(
              config,
              operatorClient,
              pod -> URI.create("http://127.0.0.1:1/readyz"),
              Clock.systemUTC())) {
        admin.resource(Fixtures.pipeline(ns, "p", "cache", 1)).create();
        String first = awaitHash(admin, ns, null);
        long before = heapAfterFullGc();

        ExecutorService creators = Executors.newFixedThreadPool(4);
        Random random = new Random(42);
        for (int i = 0; i < count; i++) {
          byte[] blob = new byte[kib * 1024];
          random.nextBytes(blob);
          Secret unrelated =
              new SecretBuilder()
                  .withNewMetadata()
                  .withName(String.format(Locale.ROOT, "unrelated-%04d", i))
                  .withNamespace(ns)
                  .endMetadata()
                  .addToData("blob", Base64.getEncoder().encodeToString(blob))
                  .build();
          creators.submit(() -> admin.resource(unrelated).create());
        }
        creators.shutdown();
        creators.awaitTermination(10, TimeUnit.MINUTES);
        // Watch events arrive in order: once the operator has acted on this later edit of a
        // referenced Secret, its informer has taken in every unrelated one before it.
        Fixtures.rotateMysqlPassword(admin, ns, "rotated");
        awaitHash(admin, ns, first);
        return heapAfterFullGc() - before;
      }
    }
  }

  /** The pod template's inputs hash once it exists and differs from {@code not}. */
  private static String awaitHash(KubernetesClient client, String ns, String not)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    while (System.nanoTime() < deadline) {
      var d = client.apps().deployments().inNamespace(ns).withName("p-worker").get();
      if (d != null) {
        String hash =
            d.getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get(WorkerObjects.INPUTS_HASH_ANNOTATION);
        if (hash != null && !hash.equals(not)) {
          return hash;
        }
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the operator did not update the Deployment within 5 minutes");
  }

  private static long heapAfterFullGc() throws InterruptedException {
    var memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      memory.gc();
      Thread.sleep(300);
    }
    return memory.getHeapMemoryUsage().getUsed();
  }

  public static void main(String[] args) throws Exception {
    int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int kib = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    long growth = heapGrowth(count, kib);
    System.out.printf(
        Locale.ROOT,
        "unrelated_secrets: %d x %d KiB%nheap_growth_after_full_gc_mib: %.1f (target <= 10)%n",
        count,
        kib,
        growth / 1048576.0);
    System.exit(0);
  }
}
