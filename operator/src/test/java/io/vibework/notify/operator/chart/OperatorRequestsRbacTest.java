package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRule;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vibework.notify.operator.Conflicts;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.KedaCrds;
import io.vibework.notify.operator.MockCluster;
import io.vibework.notify.operator.OperatorApp;
import io.vibework.notify.operator.api.AutoscalerAuthentication;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.LogLevel;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.autoscaling.KedaObjects;
import io.vibework.notify.operator.chart.OperatorPermissions.Permission;
import io.vibework.notify.operator.config.OperatorConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cross-checks the declared permission list against what the operator really does: runs it (with
 * leader election) against fabric8's CRUD mock API server through a scenario that exercises every
 * code path that talks to the API server, reads the mock's request log (the operator's client has
 * its own User-Agent), and asserts that (1) the requests map to exactly the declared permissions
 * and (2) the chart, rendered for the same mode, authorizes every single request.
 *
 * <p>The mock answers JOSDK's start-up SelfSubjectRulesReview with the rules the rendered chart
 * grants in the Lease namespace, so JOSDK's own Lease-access check runs against the chart too.
 */
class OperatorRequestsRbacTest {

  private static final String USER_AGENT = "notification-operator-under-test";
  private static final String NS = "notify-demo";
  private static final String LEASE = "notification-operator-lock";
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A request as RBAC sees it. */
  record ApiRequest(String namespace, Permission permission, String name, String line) {}

  @ParameterizedTest(name = "watchNamespaces={0}")
  @ValueSource(strings = {"", NS})
  void operatorRequestsAreExactlyTheDeclaredOnesAndTheChartAllowsEachOne(String watch)
      throws Exception {
    String values = watch.isEmpty() ? "" : "watchNamespaces: [" + watch + "]\n";
    List<HasMetadata> rendered = Chart.render(values);
    Rbac rbac = new Rbac(rendered, Chart.RELEASE, Chart.NAMESPACE);

    List<ApiRequest> requests = runOperatorScenario(watch, rbac);

    // JOSDK's start-up Lease access check; every authenticated user may create it
    // (system:basic-user).
    List<ApiRequest> checked =
        requests.stream()
            .filter(
                r ->
                    !r.permission()
                        .equals(
                            OperatorPermissions.p(
                                "authorization.k8s.io", "selfsubjectrulesreviews", "create")))
            .toList();
    assertThat(requests.size() - checked.size()).as("SelfSubjectRulesReviews").isEqualTo(1);

    Set<Permission> inWatched =
        checked.stream()
            .filter(r -> !Chart.NAMESPACE.equals(r.namespace()))
            .map(ApiRequest::permission)
            .collect(Collectors.toCollection(TreeSet::new));
    Set<Permission> inLeaseNamespace =
        checked.stream()
            .filter(r -> Chart.NAMESPACE.equals(r.namespace()))
            .map(ApiRequest::permission)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(inWatched)
        .as("permissions the operator used in watched namespaces")
        .containsExactlyInAnyOrderElementsOf(OperatorPermissions.REQUESTED_IN_WATCHED_NAMESPACES);
    assertThat(inLeaseNamespace)
        .as("permissions the operator used in the Lease namespace")
        .containsExactlyInAnyOrderElementsOf(OperatorPermissions.REQUESTED_IN_LEASE_NAMESPACE);

    List<String> denied =
        checked.stream()
            .filter(r -> !rbac.allows(r.namespace(), r.permission(), r.name()))
            .map(ApiRequest::line)
            .distinct()
            .toList();
    assertThat(denied).as("operator requests the rendered chart's RBAC would deny").isEmpty();
    if (!watch.isEmpty()) {
      assertThat(checked)
          .as("no cluster-wide request when watching one namespace")
          .allMatch(r -> NS.equals(r.namespace()) || Chart.NAMESPACE.equals(r.namespace()));
    }
  }

  private List<ApiRequest> runOperatorScenario(String watch, Rbac rbac) throws Exception {
    var dispatcher = new ReviewAnsweringDispatcher(rbac);
    var server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    Logger.getLogger("io.fabric8.mockwebserver").setLevel(Level.WARNING);
    server.init(InetAddress.getLoopbackAddress(), 0);
    KubernetesClient test = server.createClient();
    KubernetesClient operatorClient =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(test.getConfiguration()).withUserAgent(USER_AGENT).build())
            .build();
    OperatorApp operator = null;
    try {
      applyCrds(test);
      KedaCrds.apply(test);
      for (String ns : List.of(NS, Chart.NAMESPACE)) {
        test.namespaces()
            .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
            .create();
      }
      for (var secret :
          List.of(
              Fixtures.redisSecret(NS),
              Fixtures.mysqlSecret(NS),
              Fixtures.mongoSecret(NS),
              Fixtures.awsSecret(NS),
              Fixtures.pubsubSecret(NS))) {
        test.resource(secret).create();
      }
      // Nothing listens on port 1: the check reads the password Secret, fails, writes status and an
      // Event.
      test.resource(Fixtures.cacheConfig(NS, "cache", "redis://127.0.0.1:1", true)).create();
      test.resource(Fixtures.pipeline(NS, "orders", "cache", 2)).create();
      // A missing CacheConfig: Ready=False and a Warning Event.
      test.resource(Fixtures.pipeline(NS, "broken", "no-such-cache", 1)).create();
      // Autoscaled through KEDA: a ScaledObject and a TriggerAuthentication.
      test.resource(
              new NotificationPipeline(
                  NS,
                  "scaled",
                  Fixtures.specBuilder("cache", 1)
                      .autoscaling(SpecBuilders.autoscaling().maxReplicas(4).build())
                      .build()))
          .create();

      OperatorConfig config =
          new OperatorConfig(
              watch.isEmpty() ? Set.of() : Set.of(watch),
              Duration.ofSeconds(1),
              true,
              Chart.NAMESPACE,
              LEASE,
              0,
              "info");
      operator =
          OperatorApp.start(
              config,
              operatorClient,
              p -> URI.create("http://127.0.0.1:1/readyz"),
              Clock.systemUTC());

      var pipelines = test.resources(NotificationPipeline.class).inNamespace(NS);
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(
                        test.apps().deployments().inNamespace(NS).withName("orders-worker").get())
                    .isNotNull();
                assertThat(test.configMaps().inNamespace(NS).withName("orders-worker-env").get())
                    .isNotNull();
                assertThat(test.services().inNamespace(NS).withName("orders-worker").get())
                    .isNotNull();
                assertThat(
                        test.policy()
                            .v1()
                            .podDisruptionBudget()
                            .inNamespace(NS)
                            .withName("orders-worker")
                            .get())
                    .isNotNull();
                assertThat(pipelines.withName("orders").get().getStatus()).isNotNull();
                assertThat(pipelines.withName("broken").get().getStatus()).isNotNull();
                assertThat(
                        test.resources(CacheConfig.class)
                            .inNamespace(NS)
                            .withName("cache")
                            .get()
                            .getStatus())
                    .isNotNull();
                assertThat(test.v1().events().inNamespace(NS).list().getItems()).isNotEmpty();
              });

      var scaledObjects =
          test.genericKubernetesResources(KedaObjects.SCALED_OBJECTS).inNamespace(NS);
      var triggerAuths =
          test.genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS).inNamespace(NS);
      await()
          .atMost(WAIT)
          .until(
              () ->
                  scaledObjects.withName("scaled-worker").get() != null
                      && triggerAuths.withName("scaled-worker").get() != null);
      // New limits and KEDA's own identity: both KEDA objects are updated ...
      Conflicts.retry(
          () ->
              pipelines
                  .withName("scaled")
                  .edit(
                      p -> {
                        p.setSpec(
                            SpecBuilders.pipeline(p.getSpec())
                                .autoscaling(
                                    SpecBuilders.autoscaling()
                                        .maxReplicas(6)
                                        .authentication(AutoscalerAuthentication.WorkloadIdentity)
                                        .build())
                                .build());
                        return p;
                      }));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  triggerAuths
                      .withName("scaled-worker")
                      .get()
                      .getAdditionalProperties()
                      .toString()
                      .contains("podIdentity"));
      // ... and deleted when autoscaling is turned off.
      Conflicts.retry(
          () ->
              pipelines
                  .withName("scaled")
                  .edit(
                      p -> {
                        p.setSpec(SpecBuilders.pipeline(p.getSpec()).autoscaling(null).build());
                        return p;
                      }));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  scaledObjects.withName("scaled-worker").get() == null
                      && triggerAuths.withName("scaled-worker").get() == null);

      // deletionPolicy: Delete puts the clean-up finalizer on the pipeline (Pub/Sub itself is out
      // of
      // reach here); back to Retain takes it off again.
      test.resource(
              new NotificationPipeline(
                  NS,
                  "tidy",
                  Fixtures.specBuilder("cache", 1)
                      .pubsub(
                          SpecBuilders.pubsub(Fixtures.spec("cache", 1).pubsub())
                              .emulatorHost("127.0.0.1:1")
                              .provision(true)
                              .deletionPolicy(PubSubSpec.DeletionPolicy.Delete)
                              .build())
                      .build()))
          .create();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  pipelines.withName("tidy").get().getMetadata().getFinalizers() != null
                      && !pipelines.withName("tidy").get().getMetadata().getFinalizers().isEmpty());
      Conflicts.retry(
          () ->
              pipelines
                  .withName("tidy")
                  .edit(
                      p -> {
                        p.setSpec(
                            SpecBuilders.pipeline(p.getSpec())
                                .pubsub(
                                    SpecBuilders.pubsub(p.getSpec().pubsub())
                                        .deletionPolicy(PubSubSpec.DeletionPolicy.Retain)
                                        .build())
                                .build());
                        return p;
                      }));
      await()
          .atMost(WAIT)
          .until(
              () ->
                  pipelines.withName("tidy").get().getMetadata().getFinalizers() == null
                      || pipelines.withName("tidy").get().getMetadata().getFinalizers().isEmpty());

      // Someone edits the PodDisruptionBudget by hand: the operator puts it back (update).
      test.policy()
          .v1()
          .podDisruptionBudget()
          .inNamespace(NS)
          .withName("orders-worker")
          .edit(
              b -> {
                b.getSpec().setMaxUnavailable(new IntOrString(2));
                return b;
              });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(
                          test.policy()
                              .v1()
                              .podDisruptionBudget()
                              .inNamespace(NS)
                              .withName("orders-worker")
                              .get()
                              .getSpec()
                              .getMaxUnavailable())
                      .isEqualTo(new IntOrString(1)));

      // Scale to one worker and change the log level: Deployment and ConfigMap updates, PDB delete.
      pipelines
          .withName("orders")
          .edit(
              p -> {
                p.setSpec(
                    SpecBuilders.pipeline(p.getSpec())
                        .replicas(1)
                        .logLevel(LogLevel.DEBUG)
                        .build());
                return p;
              });
      // Someone edits the worker Service by hand: the operator puts it back (update).
      test.services()
          .inNamespace(NS)
          .withName("orders-worker")
          .edit(
              s -> {
                s.getSpec().getPorts().get(0).setPort(9999);
                return s;
              });
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(
                        test.policy()
                            .v1()
                            .podDisruptionBudget()
                            .inNamespace(NS)
                            .withName("orders-worker")
                            .get())
                    .isNull();
                Deployment d =
                    test.apps().deployments().inNamespace(NS).withName("orders-worker").get();
                assertThat(d.getSpec().getReplicas()).isEqualTo(1);
                ConfigMap cm =
                    test.configMaps().inNamespace(NS).withName("orders-worker-env").get();
                assertThat(cm.getData()).containsEntry("LOG_LEVEL", "debug");
                Service svc = test.services().inNamespace(NS).withName("orders-worker").get();
                assertThat(svc.getSpec().getPorts().get(0).getPort()).isEqualTo(8080);
                // The leader has renewed its Lease at least once (an update).
                var lease = test.leases().inNamespace(Chart.NAMESPACE).withName(LEASE).get();
                assertThat(lease).isNotNull();
                assertThat(lease.getSpec().getRenewTime())
                    .isAfter(lease.getSpec().getAcquireTime());
              });
    } finally {
      if (operator != null) {
        operator.close();
      }
      operatorClient.close();
      test.close();
    }
    List<ApiRequest> requests = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      if (USER_AGENT.equals(r.getHeader("User-Agent")) && !isDiscovery(r.getPath())) {
        requests.add(toApiRequest(r.getMethod(), r.getPath()));
      }
    }
    server.destroy();
    return requests;
  }

  private static void applyCrds(KubernetesClient client) throws Exception {
    try (var files = Files.list(MockCluster.crdDirectory())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          client
              .apiextensions()
              .v1()
              .customResourceDefinitions()
              .resource(
                  client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
              .create();
        }
      }
    }
  }

  /**
   * API discovery ({@code /api}, {@code /apis}, {@code /apis/<group>[/<version>]}): readable by
   * every authenticated user (the system:discovery ClusterRole), so no RBAC of ours covers it.
   */
  static boolean isDiscovery(String pathAndQuery) {
    String path =
        pathAndQuery.contains("?")
            ? pathAndQuery.substring(0, pathAndQuery.indexOf('?'))
            : pathAndQuery;
    String[] parts = path.substring(1).split("/");
    return (parts[0].equals("api") && parts.length <= 2)
        || (parts[0].equals("apis") && parts.length <= 3);
  }

  /**
   * Maps "METHOD /api[s]/..." to the namespace, group, resource[/subresource], verb and name RBAC
   * checks.
   */
  static ApiRequest toApiRequest(String method, String pathAndQuery) {
    String line = method + " " + pathAndQuery;
    String path =
        pathAndQuery.contains("?")
            ? pathAndQuery.substring(0, pathAndQuery.indexOf('?'))
            : pathAndQuery;
    String query =
        pathAndQuery.contains("?") ? pathAndQuery.substring(pathAndQuery.indexOf('?') + 1) : "";
    List<String> parts = new ArrayList<>(List.of(path.substring(1).split("/")));
    String group;
    if (parts.get(0).equals("api")) {
      group = "";
      parts = parts.subList(2, parts.size());
    } else if (parts.get(0).equals("apis")) {
      group = parts.get(1);
      parts = parts.subList(3, parts.size());
    } else {
      throw new AssertionError("a non-resource request: " + line);
    }
    String namespace = null;
    if (parts.size() >= 3 && parts.get(0).equals("namespaces")) {
      namespace = parts.get(1);
      parts = parts.subList(2, parts.size());
    }
    String resource = parts.get(0);
    String name = parts.size() > 1 ? parts.get(1) : null;
    if (parts.size() > 2) {
      resource = resource + "/" + parts.get(2);
    }
    boolean watch = List.of(query.split("&")).contains("watch=true");
    String verb =
        switch (method) {
          case "GET" -> watch ? "watch" : name == null ? "list" : "get";
          case "POST" -> "create";
          case "PUT" -> "update";
          case "PATCH" -> "patch";
          case "DELETE" -> name == null ? "deletecollection" : "delete";
          default -> throw new AssertionError("unexpected method: " + line);
        };
    return new ApiRequest(namespace, OperatorPermissions.p(group, resource, verb), name, line);
  }

  /**
   * The CRUD mock, plus an answer to SelfSubjectRulesReview built from the chart's grants in that
   * namespace.
   */
  private static final class ReviewAnsweringDispatcher extends KubernetesCrudDispatcher {
    private final Rbac rbac;

    ReviewAnsweringDispatcher(Rbac rbac) {
      super(List.of());
      this.rbac = rbac;
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      if (!request.getPath().endsWith("/selfsubjectrulesreviews")) {
        return super.handleCreate(request);
      }
      SelfSubjectRulesReview review =
          Chart.SERIALIZATION.unmarshal(request.getUtf8Body(), SelfSubjectRulesReview.class);
      String ns = review.getSpec().getNamespace();
      List<ResourceRule> rules =
          rbac.grants().stream()
              .filter(g -> g.namespace() == null || g.namespace().equals(ns))
              .map(
                  g ->
                      new ResourceRuleBuilder()
                          .withApiGroups(g.permission().group())
                          .withResources(g.permission().resource())
                          .withVerbs(g.permission().verb())
                          .withResourceNames(new ArrayList<>(g.resourceNames()))
                          .build())
              .toList();
      review.setStatus(
          new SubjectRulesReviewStatusBuilder()
              .withResourceRules(rules)
              .withIncomplete(false)
              .build());
      return new MockResponse().setResponseCode(201).setBody(Chart.SERIALIZATION.asJson(review));
    }
  }
}
