package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.api.gax.rpc.NotFoundException;
import com.google.pubsub.v1.Subscription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.api.SpecBuilders;
import io.vibework.notify.operator.pubsub.PubSubAdmin;
import io.vibework.notify.operator.pubsub.PubSubProvisioning;
import io.vibework.notify.operator.reconciler.Pause;
import io.vibework.notify.testkit.PubSubEmulator;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11's Pub/Sub provisioning and pause through the running operator, on fabric8's CRUD mock
 * and Google's Pub/Sub emulator: what a user sees in Pub/Sub, in the status and in Events.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PubSubAndPauseIntegrationTest {

  @RegisterExtension static final PubSubEmulator pubsub = new PubSubEmulator();

  private static final Duration WAIT = Duration.ofSeconds(40);
  private static final String NS = "provisioning";

  private OperatorTestBed bed;
  private KubernetesClient client;
  private final PubSubAdmin admin = new PubSubAdmin();

  @BeforeAll
  void start() throws Exception {
    bed = new OperatorTestBed(NS, "cache", "frozen-cache");
    client = bed.client;
  }

  @AfterAll
  void stop() {
    if (bed != null) bed.close();
    admin.close();
  }

  @Test
  void provisioningCreatesTheSubscriptionWithTheDeadLetterPolicyAndLeavesMetadataAlone() {
    create("orders", provisioned("orders", PubSubSpec.DeletionPolicy.Retain));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition("orders", "PubSubProvisioned"))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True")));
    var subscription = subscription("orders");
    assertThat(subscription.getDeadLetterPolicy().getDeadLetterTopic())
        .isEqualTo(pubsub.topicPath("dead-orders"));
    assertThat(subscription.getDeadLetterPolicy().getMaxDeliveryAttempts()).isEqualTo(5);
    assertThat(subscription.getRetryPolicy().getMinimumBackoff().getSeconds()).isEqualTo(10);
    assertThat(reasons("orders")).contains("PubSubProvisioned");
    // Retain: no finalizer, the operator wrote nothing to the pipeline but its status.
    assertThat(get("orders").getMetadata().getFinalizers()).isNullOrEmpty();

    client.resources(NotificationPipeline.class).inNamespace(NS).withName("orders").delete();
    await().atMost(WAIT).until(() -> get("orders") == null);
    assertThat(subscription("orders").getName()).isEqualTo(pubsub.subscriptionPath("sub-orders"));
  }

  @Test
  void deletionPolicyDeleteRemovesTheSubscriptionButNotATopicAnotherPipelineNames() {
    NotificationPipelineSpec doomed = provisioned("doomed", PubSubSpec.DeletionPolicy.Delete);
    create("doomed", doomed);
    // Another pipeline shares the created-events topic.
    create(
        "sibling",
        provisioned(
            "sibling", PubSubSpec.DeletionPolicy.Retain, pubsub -> pubsub.topic("created-doomed")));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(get("doomed").getMetadata().getFinalizers())
                  .containsExactly(PubSubProvisioning.FINALIZER);
              assertThat(condition("doomed", "PubSubProvisioned"))
                  .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
              assertThat(condition("sibling", "PubSubProvisioned"))
                  .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True"));
            });

    client.resources(NotificationPipeline.class).inNamespace(NS).withName("doomed").delete();

    await().atMost(WAIT).until(() -> get("doomed") == null);
    var clients = admin.clients(Optional.of(pubsub.hostPort()));
    assertThatThrownBy(() -> subscription("doomed")).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> clients.topics().getTopic(pubsub.topicPath("sent-doomed")))
        .isInstanceOf(NotFoundException.class);
    assertThat(clients.topics().getTopic(pubsub.topicPath("created-doomed")).getName())
        .isNotEmpty();
    assertThat(subscription("sibling").getName()).isNotEmpty();
  }

  @Test
  void anUnreachablePubSubIsReadyFalseWithAReasonThatNamesTheEndpoint() {
    create(
        "cutoff",
        provisioned(
            "cutoff",
            PubSubSpec.DeletionPolicy.Retain,
            pubsub -> pubsub.emulatorHost("127.0.0.1:1")));

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Optional<Condition> found = condition("cutoff", Conditions.READY);
              assertThat(found).isPresent();
              Condition ready = found.get();
              assertThat(ready.getStatus()).isEqualTo("False");
              assertThat(ready.getReason()).isEqualTo("PubSubUnavailable");
              assertThat(ready.getMessage()).contains("127.0.0.1:1").doesNotContain("\tat ");
              assertThat(condition("cutoff", "PubSubProvisioned"))
                  .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("False"));
            });
    // The workers are still deployed: Pub/Sub's admin API being away is no reason to stop them.
    assertThat(deployment("cutoff")).isNotNull();
  }

  @Test
  void aPausedPipelineKeepsItsWorkersUntilTheAnnotationGoes() {
    create("held", Fixtures.spec("cache", 1));
    await().atMost(WAIT).until(() -> deployment("held") != null);
    annotate(get("held"), "true");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition("held", Pause.CONDITION))
                    .hasValueSatisfying(c -> assertThat(c.getStatus()).isEqualTo("True")));

    edit(
        "held",
        s -> SpecBuilders.pipeline(s).image("registry.example.com/notify/worker:9.9.9").build());
    // The edit is seen (observedGeneration moves) but the Deployment is left as it was.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("held").getStatus().observedGeneration())
                    .isEqualTo(get("held").getMetadata().getGeneration()));
    assertThat(image("held")).endsWith(":1.2.3");

    annotate(get("held"), null);
    await().atMost(WAIT).untilAsserted(() -> assertThat(image("held")).endsWith(":9.9.9"));
    await()
        .atMost(WAIT)
        .untilAsserted(() -> assertThat(condition("held", Pause.CONDITION)).isEmpty());
  }

  @Test
  void aPausedCacheConfigPausesThePipelinesThatUseIt() {
    create("chilled", Fixtures.spec("frozen-cache", 1));
    await().atMost(WAIT).until(() -> deployment("chilled") != null);
    CacheConfig cache =
        client.resources(CacheConfig.class).inNamespace(NS).withName("frozen-cache").get();
    annotate(cache, "true");

    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(
                        Conditions.find(
                            client
                                .resources(CacheConfig.class)
                                .inNamespace(NS)
                                .withName("frozen-cache")
                                .get()
                                .getStatus()
                                .conditions(),
                            Pause.CONDITION))
                    .isPresent());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(condition("chilled", Pause.CONDITION))
                    .hasValueSatisfying(
                        c -> assertThat(c.getMessage()).contains("CacheConfig 'frozen-cache'")));
    edit(
        "chilled",
        s -> SpecBuilders.pipeline(s).image("registry.example.com/notify/worker:2.0.0").build());
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(get("chilled").getStatus().observedGeneration())
                    .isEqualTo(get("chilled").getMetadata().getGeneration()));
    assertThat(image("chilled")).endsWith(":1.2.3");

    annotate(
        client.resources(CacheConfig.class).inNamespace(NS).withName("frozen-cache").get(), null);
    await().atMost(WAIT).untilAsserted(() -> assertThat(image("chilled")).endsWith(":2.0.0"));
  }

  private NotificationPipelineSpec provisioned(String name, PubSubSpec.DeletionPolicy policy) {
    return provisioned(name, policy, pubsub -> pubsub);
  }

  /** A provisioned pipeline's spec with {@code tweak} applied to its pubsub section. */
  private NotificationPipelineSpec provisioned(
      String name, PubSubSpec.DeletionPolicy policy, UnaryOperator<SpecBuilders.PubSub> tweak) {
    NotificationPipelineSpec base = Fixtures.spec("cache", 1);
    return SpecBuilders.pipeline(base)
        .pubsub(
            tweak
                .apply(
                    Fixtures.provisioned(
                            SpecBuilders.pubsub(base.pubsub()),
                            pubsub.projectId(),
                            pubsub.hostPort(),
                            name)
                        .deletionPolicy(policy))
                .build())
        .build();
  }

  private void create(String name, NotificationPipelineSpec spec) {
    client.resource(new NotificationPipeline(NS, name, spec)).create();
  }

  private void edit(String name, UnaryOperator<NotificationPipelineSpec> change) {
    Conflicts.editSpec(client, NS, name, change);
  }

  /** Sets or (with null) removes the pause annotation, as kubectl annotate does. */
  private void annotate(HasMetadata resource, String value) {
    Conflicts.retry(
        () ->
            client
                .resource(resource)
                .edit(
                    r -> {
                      Map<String, String> annotations =
                          r.getMetadata().getAnnotations() == null
                              ? new HashMap<>()
                              : new HashMap<>(r.getMetadata().getAnnotations());
                      if (value == null) {
                        annotations.remove(Pause.ANNOTATION);
                      } else {
                        annotations.put(Pause.ANNOTATION, value);
                      }
                      r.getMetadata().setAnnotations(annotations);
                      return r;
                    }));
  }

  private NotificationPipeline get(String name) {
    return client.resources(NotificationPipeline.class).inNamespace(NS).withName(name).get();
  }

  private Optional<Condition> condition(String name, String type) {
    NotificationPipeline p = get(name);
    return p == null || p.getStatus() == null
        ? Optional.empty()
        : Conditions.find(p.getStatus().conditions(), type);
  }

  private Deployment deployment(String name) {
    return client.apps().deployments().inNamespace(NS).withName(name + "-worker").get();
  }

  private String image(String name) {
    return deployment(name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
  }

  private List<String> reasons(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .map(Event::getReason)
        .toList();
  }

  private Subscription subscription(String name) {
    return admin
        .clients(Optional.of(pubsub.hostPort()))
        .subscriptions()
        .getSubscription(pubsub.subscriptionPath("sub-" + name));
  }
}
