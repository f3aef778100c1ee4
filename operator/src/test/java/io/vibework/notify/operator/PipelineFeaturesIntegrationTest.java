package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.api.AutoscalerAuthentication;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PodSecuritySpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.autoscaling.KedaObjects;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 10's features through the running operator on fabric8's CRUD mock: the scale subresource's
 * status.selector and replica changes, the worker pod template fields, KEDA autoscaling without and
 * then with KEDA's CRDs, the Normal Events and the notify_operator_resources gauge. The mock runs
 * no controllers: the test plays the Deployment controller and KEDA's HPA.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PipelineFeaturesIntegrationTest {

  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String NS = "features";

  private OperatorTestBed bed;
  private MockCluster cluster;
  private KubernetesClient client;
  private OperatorApp operator;

  @BeforeAll
  void start() throws Exception {
    bed = new OperatorTestBed(NS, "cache");
    cluster = bed.cluster;
    client = bed.client;
    operator = bed.operator;
  }

  @AfterAll
  void stop() {
    if (bed != null) bed.close();
  }

  @Test
  @Order(1)
  void podTemplateCarriesIdentitySchedulingAndExtrasUnderTheManagedOnes() {
    NotificationPipelineSpec spec =
        Fixtures.specBuilder("cache", 2)
            .serviceAccountName("notify-worker")
            .imagePullSecrets(List.of(new LocalObjectReference("registry-creds")))
            .nodeSelector(Map.of("pool", "workers"))
            .tolerations(
                List.of(
                    new TolerationBuilder()
                        .withKey("dedicated")
                        .withOperator("Equal")
                        .withValue("notify")
                        .withEffect("NoSchedule")
                        .build()))
            .priorityClassName("notify-high")
            .podAnnotations(Map.of("team", "growth"))
            .podLabels(Map.of("cost-center", "cc-42"))
            .extraEnv(
                List.of(
                    new EnvVarBuilder()
                        .withName("JAVA_TOOL_OPTIONS")
                        .withValue("-Xss512k")
                        .build()))
            .terminationGracePeriodSeconds(60)
            .podSecurity(new PodSecuritySpec(true, null, null, null))
            .build();
    client.resource(new NotificationPipeline(NS, "tmpl", spec)).create();

    await().atMost(WAIT).until(() -> deployment("tmpl") != null);
    Deployment d = deployment("tmpl");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("notify-worker");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getImagePullSecrets())
        .extracting(LocalObjectReference::getName)
        .containsExactly("registry-creds");
    assertThat(pod.getNodeSelector()).containsExactlyEntriesOf(Map.of("pool", "workers"));
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getPriorityClassName()).isEqualTo("notify-high");
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(60L);
    // OpenShift's restricted SCC assigns the ids; non-root stays enforced.
    assertThat(pod.getSecurityContext().getRunAsUser()).isNull();
    assertThat(pod.getSecurityContext().getFsGroup()).isNull();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("cost-center", "cc-42")
        .containsEntry("app.kubernetes.io/instance", "tmpl");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsEntry("team", "growth")
        .containsKey("infra.vibework.io/inputs-hash");
    Container c = pod.getContainers().get(0);
    assertThat(c.getEnv()).extracting(EnvVar::getName).last().isEqualTo("JAVA_TOOL_OPTIONS");
    assertThat(client.configMaps().inNamespace(NS).withName("tmpl-worker-env").get().getData())
        .containsEntry("SHUTDOWN_GRACE_SECONDS", "45");

    // A variable the operator manages: a bad spec naming it, and the workers are left alone.
    edit(
        "tmpl",
        s ->
            SpecBuilders.pipeline(s)
                .extraEnv(
                    List.of(new EnvVarBuilder().withName("LOG_LEVEL").withValue("trace").build()))
                .build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get("tmpl").getStatus()).isNotNull();
              var ready =
                  Conditions.find(get("tmpl").getStatus().conditions(), Conditions.READY)
                      .orElseThrow();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("InvalidSpec");
              assertThat(ready.getMessage()).contains("spec.extraEnv sets LOG_LEVEL");
            });
    assertThat(deployment("tmpl").getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting(EnvVar::getName)
        .contains("JAVA_TOOL_OPTIONS")
        .doesNotHaveDuplicates();
  }

  @Test
  @Order(2)
  void scaleSubresourceFieldsReplicaChangesAndEventsAndTheResourceGauge() {
    client.resource(new NotificationPipeline(NS, "scaled", Fixtures.spec("cache", 2))).create();
    await().atMost(WAIT).until(() -> deployment("scaled") != null);
    markAvailable("scaled");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              NotificationPipeline p = get("scaled");
              assertThat(p.getStatus()).isNotNull();
              assertThat(p.getStatus().selector())
                  .isEqualTo(
                      "app.kubernetes.io/name=notification-worker,app.kubernetes.io/instance=scaled");
              assertThat(p.getStatus().replicas()).isEqualTo(2);
              assertThat(Conditions.isTrue(p.getStatus().conditions(), Conditions.READY)).isTrue();
            });
    // Ready before its first status write: no rollout was shown, so none is told complete.
    assertThat(reasons()).doesNotContain("RolloutComplete");
    assertThat(scrape())
        .contains(
            "notify_operator_resources{kind=\"NotificationPipeline\",namespace=\""
                + NS
                + "\",ready=\"true\"} 1.0")
        .contains(
            "notify_operator_resources{kind=\"NotificationPipeline\",namespace=\""
                + NS
                + "\",ready=\"false\"} 1.0")
        .contains(
            "notify_operator_resources{kind=\"CacheConfig\",namespace=\""
                + NS
                + "\",ready=\"false\"} 1.0");

    // What kubectl scale / an HPA does through the scale subresource: spec.replicas changes.
    edit("scaled", s -> SpecBuilders.pipeline(s).replicas(3).build());
    await().atMost(WAIT).until(() -> deployment("scaled").getSpec().getReplicas() == 3);
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(events())
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Normal");
                          assertThat(e.getReason()).isEqualTo("Scaled");
                          assertThat(e.getMessage()).contains("from 2 to 3");
                        }));
    // The third worker comes up: that rollout was shown in progress and is told complete.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        Conditions.find(get("scaled").getStatus().conditions(), Conditions.READY)
                            .orElseThrow()
                            .getReason())
                    .isEqualTo("RollingOut"));
    markAvailable("scaled");
    await().atMost(WAIT).untilAsserted(() -> assertThat(reasons()).contains("RolloutComplete"));
  }

  @Test
  @Order(3)
  void autoscalingWithoutKedaSaysSoAndKeepsTheReplicas() {
    client
        .resource(
            new NotificationPipeline(
                NS,
                "auto",
                Fixtures.specBuilder("cache", 2)
                    .autoscaling(
                        SpecBuilders.autoscaling()
                            .minReplicas(1)
                            .maxReplicas(8)
                            .targetBacklogPerReplica(50)
                            .build())
                    .build()))
        .create();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              NotificationPipeline p = get("auto");
              assertThat(p.getStatus()).isNotNull();
              var ready =
                  Conditions.find(p.getStatus().conditions(), Conditions.READY).orElseThrow();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("AutoscalerUnavailable");
              assertThat(ready.getMessage()).contains("install KEDA");
            });
    assertThat(deployment("auto").getSpec().getReplicas()).isEqualTo(2);
  }

  @Test
  @Order(4)
  void withKedaTheOperatorOwnsAScaledObjectOnThePipelineAndFollowsItsReplicas() {
    KedaCrds.apply(client);
    // The operator retries with backoff (2 s, 4 s, 8 s, ...) and finds KEDA by discovery.
    await().atMost(Duration.ofSeconds(60)).until(() -> scaledObject("auto") != null);
    GenericKubernetesResource so = scaledObject("auto");
    Map<String, Object> spec = spec(so);
    assertThat(spec.get("scaleTargetRef"))
        .isEqualTo(
            Map.of(
                "apiVersion",
                "infra.vibework.io/v1alpha1",
                "kind",
                "NotificationPipeline",
                "name",
                "auto"));
    assertThat(spec).containsEntry("minReplicaCount", 1).containsEntry("maxReplicaCount", 8);
    @SuppressWarnings("unchecked")
    Map<String, Object> trigger = ((List<Map<String, Object>>) spec.get("triggers")).get(0);
    assertThat(trigger).containsEntry("type", "gcp-pubsub");
    assertThat(trigger.get("metadata"))
        .isEqualTo(
            Map.of(
                "mode", "SubscriptionSize",
                "value", "50",
                "activationValue", "0",
                "subscriptionName",
                    "projects/test-project/subscriptions/notification-created-email"));
    assertThat(trigger.get("authenticationRef")).isEqualTo(Map.of("name", "auto-worker"));
    assertThat(so.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(r -> assertThat(r.getName()).isEqualTo("auto"));
    GenericKubernetesResource auth = triggerAuthentication("auto");
    assertThat(spec(auth).get("secretTargetRef"))
        .isEqualTo(
            List.of(
                Map.of(
                    "parameter",
                    "GoogleApplicationCredentials",
                    "name",
                    "pubsub-key",
                    "key",
                    "key.json")));
    assertThat(client.getKubernetesSerialization().asJson(auth)).doesNotContain("pubsub-pk-Xy66");
    await()
        .atMost(WAIT)
        .until(
            () ->
                !"AutoscalerUnavailable"
                    .equals(
                        Conditions.find(get("auto").getStatus().conditions(), Conditions.READY)
                            .orElseThrow()
                            .getReason()));

    // KEDA's HPA scales the pipeline (spec.replicas through the scale subresource).
    cluster.drainRequests();
    edit("auto", s -> SpecBuilders.pipeline(s).replicas(5).build());
    await().atMost(WAIT).until(() -> deployment("auto").getSpec().getReplicas() == 5);
    markAvailable("auto");
    await().atMost(WAIT).until(() -> Integer.valueOf(5).equals(get("auto").getStatus().replicas()));
    // No fight: the operator wrote the Deployment and the status, never the pipeline itself, and
    // the ScaledObject it owns stayed as it was.
    List<String> writes = MockCluster.writes(cluster.drainRequests());
    assertThat(writes)
        .filteredOn(w -> w.contains("/notificationpipelines/auto") && !w.contains("/status"))
        .hasSize(1); // the test's own edit
    assertThat(writes)
        .noneMatch(w -> w.contains("/scaledobjects/") || w.contains("/triggerauthentications/"));

    // Workload identity instead of the key Secret: KEDA's own GCP identity.
    edit(
        "auto",
        s ->
            SpecBuilders.pipeline(s)
                .autoscaling(
                    SpecBuilders.autoscaling()
                        .maxReplicas(8)
                        .targetBacklogPerReplica(50)
                        .authentication(AutoscalerAuthentication.WorkloadIdentity)
                        .build())
                .build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(spec(triggerAuthentication("auto")))
                    .containsOnlyKeys("podIdentity")
                    .containsEntry("podIdentity", Map.of("provider", "gcp")));

    // Autoscaling off: the operator removes what it owned; spec.replicas is the user's again.
    edit("auto", s -> SpecBuilders.pipeline(s).autoscaling(null).replicas(2).build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(scaledObject("auto")).isNull();
              assertThat(triggerAuthentication("auto")).isNull();
              assertThat(deployment("auto").getSpec().getReplicas()).isEqualTo(2);
            });
  }

  private void edit(String name, UnaryOperator<NotificationPipelineSpec> change) {
    Conflicts.editSpec(client, NS, name, change);
  }

  private NotificationPipeline get(String name) {
    return client.resources(NotificationPipeline.class).inNamespace(NS).withName(name).get();
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name + "-worker").get();
  }

  private GenericKubernetesResource scaledObject(String name) {
    return client
        .genericKubernetesResources(KedaObjects.SCALED_OBJECTS)
        .inNamespace(NS)
        .withName(name + "-worker")
        .get();
  }

  private GenericKubernetesResource triggerAuthentication(String name) {
    return client
        .genericKubernetesResources(KedaObjects.TRIGGER_AUTHENTICATIONS)
        .inNamespace(NS)
        .withName(name + "-worker")
        .get();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource r) {
    return (Map<String, Object>) r.getAdditionalProperties().get("spec");
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(NS).list().getItems();
  }

  private List<String> reasons() {
    return events().stream().map(Event::getReason).toList();
  }

  private String scrape() {
    return operator.registry().scrape();
  }

  /** Every worker up: Running pods answering /readyz through the test bed's health server. */
  private void markAvailable(String name) {
    Deployment d = deployment(name);
    int[] ports = new int[d.getSpec().getReplicas()];
    Arrays.fill(ports, bed.worker.port());
    OperatorTestBed.markAvailable(client, d, ports);
  }
}
