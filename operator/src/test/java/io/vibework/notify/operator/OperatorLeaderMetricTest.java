package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceRuleBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectRulesReviewStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vibework.notify.operator.config.OperatorConfig;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * notify_operator_leader on the operator's /metrics, the gauge the OperatorNotLeading alert reads:
 * 0 while another replica holds the Lease, 1 once this one takes it, 1 when election is off.
 */
class OperatorLeaderMetricTest {

  private static final String LEASE_NAMESPACE = "notification-system";
  private static final String LEASE = "leader-metric-lock";
  private static final Pattern LEADER =
      Pattern.compile("(?m)^notify_operator_leader(?:\\{[^}]*\\})? (\\S+)$");
  private static final Duration WAIT = Duration.ofSeconds(60);

  private KubernetesMockServer server;
  private KubernetesClient client;
  private OperatorApp operator;

  @BeforeEach
  void startCluster() throws Exception {
    // JOSDK checks its Lease access with a SelfSubjectRulesReview before campaigning: this mock
    // answers it (MockCluster's plain CRUD mock cannot); RBAC itself is OperatorRequestsRbacTest's.
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new LeaseReviewDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    try (var files = Files.list(MockCluster.crdDirectory())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          client
              .resource(
                  client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class))
              .create();
        }
      }
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(LEASE_NAMESPACE)
                .endMetadata()
                .build())
        .create();
  }

  @AfterEach
  void stop() {
    if (operator != null) operator.close();
    client.close();
    server.destroy();
  }

  @Test
  void isZeroWhileAnotherReplicaHoldsTheLeaseAndOneOnceThisReplicaTakesIt() {
    // Another replica holds the Lease and keeps it fresh for a long while.
    Lease held =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(LEASE)
            .withNamespace(LEASE_NAMESPACE)
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity("operator-replica-elsewhere")
            .withLeaseDurationSeconds(3600)
            .withAcquireTime(ZonedDateTime.now())
            .withRenewTime(ZonedDateTime.now())
            .withLeaseTransitions(0)
            .endSpec()
            .build();
    client.resource(held).create();

    operator = start(true);

    // A standby: it answers /metrics (so "up" is 1) but says it does not lead. Give it several
    // retry periods to prove it stays a standby.
    await().atMost(WAIT).until(() -> leaderValue(operator) != null);
    await()
        .pollDelay(Duration.ofSeconds(5))
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(leaderValue(operator)).isEqualTo(0.0));

    // The other replica is gone and its Lease with it: this one takes over and says so.
    client.resource(held).delete();
    await().atMost(WAIT).untilAsserted(() -> assertThat(leaderValue(operator)).isEqualTo(1.0));
    Lease taken = client.leases().inNamespace(LEASE_NAMESPACE).withName(LEASE).get();
    assertThat(taken.getSpec().getHolderIdentity()).isNotEqualTo("operator-replica-elsewhere");
  }

  @Test
  void isOneWhenLeaderElectionIsOff() throws Exception {
    operator = start(false);
    assertThat(leaderValue(operator)).isEqualTo(1.0);
  }

  private OperatorApp start(boolean leaderElection) {
    OperatorConfig config =
        new OperatorConfig(
            Set.of(),
            Duration.ofSeconds(30),
            leaderElection,
            leaderElection ? LEASE_NAMESPACE : null,
            LEASE,
            0,
            "info");
    return OperatorApp.start(
        config, client, p -> URI.create("http://127.0.0.1:1/readyz"), Clock.systemUTC());
  }

  /** The gauge's value as Prometheus scrapes it, or null when the line is missing. */
  private static Double leaderValue(OperatorApp operator) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      String body =
          http.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + operator.httpPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = LEADER.matcher(body);
      return m.find() ? Double.valueOf(m.group(1)) : null;
    }
  }

  /** The CRUD mock, plus "yes" to JOSDK's check that it may get, create and update Leases. */
  private static final class LeaseReviewDispatcher extends KubernetesCrudDispatcher {
    LeaseReviewDispatcher() {
      super(List.of());
    }

    @Override
    public MockResponse handleCreate(RecordedRequest request) {
      if (!request.getPath().endsWith("/selfsubjectrulesreviews")) {
        return super.handleCreate(request);
      }
      var serialization = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
      SelfSubjectRulesReview review =
          serialization.unmarshal(request.getUtf8Body(), SelfSubjectRulesReview.class);
      review.setStatus(
          new SubjectRulesReviewStatusBuilder()
              .withResourceRules(
                  new ResourceRuleBuilder()
                      .withApiGroups("coordination.k8s.io")
                      .withResources("leases")
                      .withVerbs("get", "create", "update", "patch")
                      .build())
              .withIncomplete(false)
              .build());
      return new MockResponse().setResponseCode(201).setBody(serialization.asJson(review));
    }
  }
}
