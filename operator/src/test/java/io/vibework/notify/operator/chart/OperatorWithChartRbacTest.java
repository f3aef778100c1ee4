package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.operator.Conflicts;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.KedaCrds;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.autoscaling.KedaObjects;
import io.vibework.notify.operator.cluster.Crds;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.reconciler.Pause;
import io.vibework.notify.testkit.kube.AuditEvent;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.Kubectl;
import io.vibework.notify.testkit.kube.LocalKubelet;
import io.vibework.notify.worker.health.HealthServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator on a real control plane (kube-apiserver, etcd, kube-controller-manager, a kubelet of
 * ours that reports pods Ready), authenticated as the chart's ServiceAccount with exactly the RBAC
 * {@code helm template} renders. Every call it makes is decided by the API server's RBAC, its owned
 * objects are deleted by the real garbage collector and its workers rolled and scaled by the real
 * Deployment and ReplicaSet controllers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorWithChartRbacTest {

  private static final String NS = "team-a";
  private static final String LEASE = "notification-operator-lock";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @RegisterExtension
  static final KubeControlPlane kube = new KubeControlPlane().withControllerManager();

  @RegisterExtension static final LocalKubelet kubelet = new LocalKubelet(kube).alwaysReady();

  @TempDir static Path dir;

  private static KubernetesClient admin;
  private static HealthServer worker;
  private static ChartInstall chart;
  private static OperatorApp operator;

  @BeforeAll
  static void install() throws Exception {
    admin = kube.adminClient();
    Crds.apply(admin);
    KedaCrds.apply(admin);
    chart = ChartInstall.apply(kube, "");
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    Fixtures.secrets(NS).forEach(secret -> admin.resource(secret).create());
    admin.resource(Fixtures.cacheConfig(NS, "cache", "redis://127.0.0.1:1", true)).create();
    // Every pod's /readyz is this always-ready health server: the kubelet runs no processes here.
    worker =
        HealthServer.start(
            0,
            List.of(),
            Map::of,
            () -> true,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    operator = startOperator(chart);
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (worker != null) {
      worker.close();
    }
  }

  static OperatorApp startOperator(ChartInstall install) {
    return OperatorApp.start(
        install.config(Map.of("HTTP_PORT", "0", "PROBE_INTERVAL_SECONDS", "2")),
        install.operatorClient(),
        p -> URI.create("http://127.0.0.1:" + worker.port() + "/readyz"),
        Clock.systemUTC());
  }

  @Test
  @Order(1)
  void aPipelineGoesReadyIsScaledPausedChangedAndDeletedWithoutOneForbiddenCall() {
    admin.resource(Fixtures.pipeline(NS, "orders", "cache", 1)).create();
    awaitReady("orders", 1);

    Kubectl kubectl =
        new Kubectl(kube.writeKubeconfig(dir.resolve("kubeconfig"), kube.adminToken()));
    kubectl.run("scale", "np", "orders", "-n", NS, "--replicas", "3").orThrow();
    // Through the scale subresource to the Deployment, the ReplicaSet controller and the pods.
    awaitReady("orders", 3);
    assertThat(workerPods("orders")).hasSize(3);

    annotate("orders", Pause.ANNOTATION, "true");
    await()
        .atMost(WAIT)
        .until(() -> condition("orders", Pause.CONDITION).map("True"::equals).orElse(false));
    String pausedTemplate = podTemplateAnnotations("orders");
    Conflicts.editSpec(
        admin,
        NS,
        "orders",
        s -> SpecBuilders.pipeline(s).image("registry.example.com/notify/worker:2.0.0").build());
    // Paused: the operator leaves the Deployment as it is, even though the spec changed.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(5))
        .until(() -> pausedTemplate.equals(podTemplateAnnotations("orders")));

    annotate("orders", Pause.ANNOTATION, null);
    await().atMost(WAIT).until(() -> !pausedTemplate.equals(podTemplateAnnotations("orders")));
    awaitReady("orders", 3);

    admin.resources(NotificationPipeline.class).inNamespace(NS).withName("orders").delete();
    awaitOwnedObjectsGone("orders");

    assertThat(chart.forbidden()).as("calls the chart's RBAC refused").isEmpty();
    assertThat(chart.writes()).as("the operator did write, as its ServiceAccount").isNotEmpty();
  }

  @Test
  @Order(2)
  void aChangedSecretRollsTheWorkersThroughTheDeploymentController() {
    admin.resource(Fixtures.pipeline(NS, "billing", "cache", 2)).create();
    awaitReady("billing", 2);
    Set<String> before = replicaSetHashes("billing");
    assertThat(before).hasSize(1);

    Fixtures.rotateMysqlPassword(admin, NS, "rotated-pw");

    // A new ReplicaSet for the new pod template; the old one is scaled to zero once the new pods
    // are Ready: that is the Deployment controller's rolling update, not ours.
    await().atMost(WAIT).until(() -> replicaSetHashes("billing").size() == 2);
    awaitReady("billing", 2);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        replicaSets("billing").stream()
                            .filter(rs -> before.contains(hash(rs)))
                            .map(rs -> rs.getStatus().getReplicas()))
                    .containsOnly(0));
    assertThat(chart.forbidden()).isEmpty();
  }

  @Test
  @Order(3)
  void deletingAnAutoscaledPipelineLeavesNothingItOwnedBehind() {
    admin
        .resource(
            new NotificationPipeline(
                NS,
                "scaled",
                Fixtures.specBuilder("cache", 1)
                    .autoscaling(
                        SpecBuilders.autoscaling()
                            .minReplicas(1)
                            .maxReplicas(4)
                            .targetBacklogPerReplica(50)
                            .build())
                    .build()))
        .create();
    await().atMost(WAIT).until(() -> keda(KedaObjects.SCALED_OBJECTS, "scaled-worker") != null);
    assertThat(ownedObjects("scaled")).contains("Deployment", "ConfigMap", "Service");

    admin.resources(NotificationPipeline.class).inNamespace(NS).withName("scaled").delete();

    awaitOwnedObjectsGone("scaled");
    await()
        .atMost(WAIT)
        .until(
            () ->
                keda(KedaObjects.SCALED_OBJECTS, "scaled-worker") == null
                    && keda(KedaObjects.TRIGGER_AUTHENTICATIONS, "scaled-worker") == null);
    assertThat(chart.forbidden()).isEmpty();
  }

  @Test
  @Order(4)
  void aQuietClusterStaysQuietOnceEveryPipelineIsReady() throws Exception {
    List<String> names = List.of("quiet-1", "quiet-2", "quiet-3");
    for (String name : names) {
      admin.resource(Fixtures.pipeline(NS, name, "cache", 2)).create();
    }
    for (String name : names) {
      awaitReady(name, 2);
    }
    // The last Ready write's own watch event and the CacheConfig's first check settle first.
    Thread.sleep(3_000);
    int before = chart.writes().size();

    // Probing goes on every 2 s (30 probes per pipeline): none of it may reach the API server
    // as a write, whatever the server did to the objects (quantities, defaults, managedFields).
    Thread.sleep(60_000);

    List<AuditEvent> writes = chart.writes();
    List<AuditEvent> quiet = writes.subList(before, writes.size());
    // The leader renews its Lease every few seconds: that heartbeat is what leader election is,
    // and it is the only write a quiet minute may hold.
    assertThat(quiet)
        .as("operator writes in a quiet minute, the leader's Lease renewals aside")
        .filteredOn(e -> !"leases".equals(e.resource()))
        .isEmpty();
    assertThat(quiet).allSatisfy(e -> assertThat(e.name()).isEqualTo(LEASE));
    for (String name : names) {
      assertThat(condition(name, Conditions.READY)).contains("True");
    }
  }

  @Test
  @Order(5)
  void aRemovedPermissionShowsUpAsForbiddenCallsAndNoReadyPipeline() throws Exception {
    operator.close();
    operator = null;
    // The same chart, less one verb: the operator may no longer create Deployments.
    ChartInstall crippled =
        ChartInstall.apply(
            kube,
            "",
            rule ->
                !("apps".equals(rule.apiGroup())
                    && "deployments".equals(rule.resource())
                    && "create".equals(rule.verb())));
    try (OperatorApp limited = startOperator(crippled)) {
      admin.resource(Fixtures.pipeline(NS, "limited", "cache", 1)).create();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(crippled.forbidden())
                      .anyMatch(
                          e -> "deployments".equals(e.resource()) && "create".equals(e.verb())));
      // The refusal reaches the status as Ready=False; the pipeline never goes Ready.
      await()
          .atMost(WAIT)
          .until(() -> condition("limited", Conditions.READY).map("False"::equals).orElse(false));
      assertThat(deployment("limited")).isNull();
    } finally {
      ChartInstall.apply(kube, "");
    }
  }

  @Test
  @Order(6)
  void withWatchNamespacesTheOperatorRunsOnItsRolesAlone() {
    String ns = "team-b";
    ChartInstall scoped =
        ChartInstall.apply(
            kube,
            "scoped",
            "watchNamespaces: [" + ns + "]\nleaderElection:\n  leaseName: scoped-lock\n",
            rule -> true);
    assertThat(admin.rbac().clusterRoleBindings().list().getItems())
        .noneMatch(
            b -> b.getSubjects().stream().anyMatch(s -> scoped.user().endsWith(":" + s.getName())));
    Fixtures.secrets(ns).forEach(secret -> admin.resource(secret).create());
    admin.resource(Fixtures.cacheConfig(ns, "cache", "redis://127.0.0.1:1", true)).create();
    try (OperatorApp namespaced = startOperator(scoped)) {
      admin.resource(Fixtures.pipeline(ns, "scoped", "cache", 1)).create();
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                NotificationPipeline p =
                    admin
                        .resources(NotificationPipeline.class)
                        .inNamespace(ns)
                        .withName("scoped")
                        .get();
                assertThat(p.getStatus()).isNotNull();
                assertThat(Conditions.isTrue(p.getStatus().conditions(), Conditions.READY))
                    .as(String.valueOf(p.getStatus().conditions()))
                    .isTrue();
              });
      assertThat(scoped.forbidden()).isEmpty();
      assertThat(scoped.writes()).isNotEmpty();
    }
  }

  // --- helpers -------------------------------------------------------------------------------

  private static NotificationPipeline get(String name) {
    return admin.resources(NotificationPipeline.class).inNamespace(NS).withName(name).get();
  }

  /** Sets (or, with null, removes) an annotation, retried when the operator's write raced it. */
  private static void annotate(String name, String key, String value) {
    Conflicts.retry(
        () ->
            admin
                .resources(NotificationPipeline.class)
                .inNamespace(NS)
                .withName(name)
                .edit(
                    p -> {
                      if (p.getMetadata().getAnnotations() == null) {
                        p.getMetadata().setAnnotations(new java.util.HashMap<>());
                      }
                      if (value == null) {
                        p.getMetadata().getAnnotations().remove(key);
                      } else {
                        p.getMetadata().getAnnotations().put(key, value);
                      }
                      return p;
                    }));
  }

  private static Optional<String> condition(String name, String type) {
    NotificationPipeline p = get(name);
    if (p == null || p.getStatus() == null) {
      return Optional.empty();
    }
    return Conditions.find(p.getStatus().conditions(), type).map(c -> c.getStatus());
  }

  private static void awaitReady(String name, int replicas) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              NotificationPipeline p = get(name);
              assertThat(p.getStatus()).isNotNull();
              assertThat(p.getStatus().observedGeneration())
                  .isEqualTo(p.getMetadata().getGeneration());
              assertThat(p.getStatus().readyReplicas()).isEqualTo(replicas);
              var ready =
                  Conditions.find(p.getStatus().conditions(), Conditions.READY).orElseThrow();
              assertThat(ready.getStatus()).as(ready.getMessage()).isEqualTo("True");
            });
  }

  private static Deployment deployment(String name) {
    return admin.apps().deployments().inNamespace(NS).withName(name + "-worker").get();
  }

  private static String podTemplateAnnotations(String name) {
    return Objects.toString(
        deployment(name).getSpec().getTemplate().getMetadata().getAnnotations());
  }

  private static List<Pod> workerPods(String name) {
    return admin
        .pods()
        .inNamespace(NS)
        .withLabel(WorkerObjects.INSTANCE_LABEL, name)
        .list()
        .getItems();
  }

  private static List<ReplicaSet> replicaSets(String name) {
    return admin
        .apps()
        .replicaSets()
        .inNamespace(NS)
        .withLabel(WorkerObjects.INSTANCE_LABEL, name)
        .list()
        .getItems();
  }

  private static String hash(ReplicaSet rs) {
    return rs.getMetadata().getLabels().get("pod-template-hash");
  }

  private static Set<String> replicaSetHashes(String name) {
    return replicaSets(name).stream()
        .map(OperatorWithChartRbacTest::hash)
        .collect(Collectors.toSet());
  }

  private static GenericKubernetesResource keda(ResourceDefinitionContext kind, String name) {
    return admin.genericKubernetesResources(kind).inNamespace(NS).withName(name).get();
  }

  /** Kinds of the objects in the namespace that a pipeline owns (by owner reference). */
  private static List<String> ownedObjects(String name) {
    NotificationPipeline p = get(name);
    String uid = p == null ? null : p.getMetadata().getUid();
    return Stream.of(
            admin.apps().deployments().inNamespace(NS).list().getItems(),
            admin.configMaps().inNamespace(NS).list().getItems(),
            admin.services().inNamespace(NS).list().getItems(),
            admin.policy().v1().podDisruptionBudget().inNamespace(NS).list().getItems())
        .flatMap(List::stream)
        .map(HasMetadata.class::cast)
        .filter(o -> o.getMetadata().getName().startsWith(name + "-"))
        .filter(
            o ->
                uid == null
                    || o.getMetadata().getOwnerReferences().stream()
                        .anyMatch(r -> uid.equals(r.getUid())))
        .map(HasMetadata::getKind)
        .toList();
  }

  private static void awaitOwnedObjectsGone(String name) {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get(name)).isNull();
              assertThat(ownedObjects(name)).isEmpty();
              assertThat(workerPods(name)).isEmpty();
            });
  }
}
