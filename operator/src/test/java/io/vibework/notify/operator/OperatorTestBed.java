package io.vibework.notify.operator;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.worker.health.HealthServer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A running operator on fabric8's CRUD mock with one namespace holding the fixture Secrets and
 * CacheConfigs, and a worker health server (always ready) standing in for every pod's /readyz.
 */
final class OperatorTestBed implements AutoCloseable {

  final MockCluster cluster;
  final KubernetesClient client;
  final HealthServer worker;
  final OperatorApp operator;

  OperatorTestBed(String namespace, String... cacheConfigs) throws Exception {
    this(Duration.ofSeconds(1), namespace, cacheConfigs);
  }

  OperatorTestBed(Duration probeInterval, String namespace, String... cacheConfigs)
      throws Exception {
    cluster = new MockCluster();
    client = cluster.client();
    worker =
        HealthServer.start(
            0,
            List.of(),
            Map::of,
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    for (var s :
        List.of(
            Fixtures.mysqlSecret(namespace),
            Fixtures.mongoSecret(namespace),
            Fixtures.awsSecret(namespace),
            Fixtures.pubsubSecret(namespace))) {
      client.resource(s).create();
    }
    for (String cache : cacheConfigs) {
      client
          .resource(Fixtures.cacheConfig(namespace, cache, "redis://127.0.0.1:1", false))
          .create();
    }
    operator =
        OperatorApp.start(
            new OperatorConfig(Set.of(), probeInterval, false, null, "lock", 0, "info"),
            client,
            p -> URI.create("http://127.0.0.1:" + worker.port() + "/readyz"),
            Clock.systemUTC());
  }

  /** Creates the pipeline and returns its worker Deployment once the operator made it. */
  Deployment createPipeline(String namespace, String name, NotificationPipelineSpec spec) {
    client.resource(new NotificationPipeline(namespace, name, spec)).create();
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                client.apps().deployments().inNamespace(namespace).withName(name + "-worker").get(),
            d -> d != null);
  }

  /**
   * A new pipeline on CacheConfig {@code cache} whose workers all answer on the test's health
   * server, once it is Ready.
   */
  Deployment readyPipeline(String namespace, String name, String cache, int replicas) {
    Deployment d = createPipeline(namespace, name, Fixtures.spec(cache, replicas));
    int[] ports = new int[replicas];
    java.util.Arrays.fill(ports, worker.port());
    markAvailable(client, d, ports);
    await().atMost(Duration.ofSeconds(30)).until(() -> ready(pipeline(namespace, name)));
    return d;
  }

  NotificationPipeline pipeline(String namespace, String name) {
    return client.resources(NotificationPipeline.class).inNamespace(namespace).withName(name).get();
  }

  /** Whether the pipeline's stored status says Ready; false while it has no status yet. */
  static boolean ready(NotificationPipeline p) {
    return p != null
        && p.getStatus() != null
        && Conditions.isTrue(p.getStatus().conditions(), Conditions.READY);
  }

  /** Reconciles started, once the count has held still for three seconds. */
  static double settledReconciles(OperatorTestBed bed) {
    double[] last = {-1};
    return await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofSeconds(3))
        .until(
            () -> {
              double now = pipelineReconciles(bed.operator);
              boolean still = now == last[0];
              last[0] = now;
              return still ? now : null;
            },
            n -> n != null);
  }

  /** Reconciles of pipelines the operator started, from JOSDK's metrics. */
  static double pipelineReconciles(OperatorApp operator) {
    return operator
        .registry()
        .find("operator.sdk.reconciliations.started")
        .tag("kind", "NotificationPipeline")
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /**
   * What the Deployment controller and kubelets would report once every worker is up: the
   * Deployment's status and one Running pod per replica, each at 127.0.0.1 with its container port
   * {@code http} at the given port, which the operator then probes.
   */
  static void markAvailable(KubernetesClient client, Deployment d, int... podPorts) {
    String ns = d.getMetadata().getNamespace();
    int replicas = d.getSpec().getReplicas();
    var template = d.getSpec().getTemplate();
    for (int i = 0; i < podPorts.length; i++) {
      Pod pod =
          new PodBuilder()
              .withNewMetadata()
              .withName(d.getMetadata().getName() + "-pod-" + i)
              .withNamespace(ns)
              .withLabels(template.getMetadata().getLabels())
              .endMetadata()
              .withNewSpecLike(template.getSpec())
              .editFirstContainer()
              .editFirstPort()
              .withContainerPort(podPorts[i])
              .endPort()
              .endContainer()
              .endSpec()
              .withNewStatus()
              .withPhase("Running")
              .withPodIP("127.0.0.1")
              .endStatus()
              .build();
      client.resource(pod).createOr(NonDeletingOperation::update);
    }
    d.setStatus(
        new DeploymentStatusBuilder()
            .withObservedGeneration(d.getMetadata().getGeneration())
            .withReplicas(replicas)
            .withReadyReplicas(replicas)
            .withAvailableReplicas(replicas)
            .withUpdatedReplicas(replicas)
            .addNewCondition()
            .withType("Available")
            .withStatus("True")
            .withReason("MinimumReplicasAvailable")
            .endCondition()
            .build());
    client.resource(d).updateStatus();
  }

  @Override
  public void close() {
    operator.close();
    worker.close();
    cluster.close();
  }
}
