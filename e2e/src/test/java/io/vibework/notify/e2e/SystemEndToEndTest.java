package io.vibework.notify.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.testkit.kube.AuditEvent;
import io.vibework.notify.testkit.kube.Kubectl;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo path, asserted: local services, the real control plane with crds/ and examples/ applied
 * by kubectl, operator.jar as its own process and ServiceAccount, worker processes the local
 * kubelet runs from the pods the real Deployment controller makes, Ready with every health check
 * ok, an email delivered, and a changed input rolling the workers through the Deployment
 * controller.
 */
class SystemEndToEndTest {

  static final Path ROOT = Path.of("").toAbsolutePath().getParent();
  static final ObjectMapper JSON = new ObjectMapper();
  static final ByteArrayOutputStream NARRATIVE = new ByteArrayOutputStream();
  static LocalSystem system;
  static Manifests.Pipeline p;

  @BeforeAll
  static void start() throws Exception {
    Path workDir = Files.createDirectories(ROOT.resolve("e2e/target/system-e2e"));
    system =
        new LocalSystem(
            new LocalSystem.Settings(
                ROOT,
                jar("e2e.workerJar", "worker/target/worker.jar"),
                jar("e2e.operatorJar", "operator/target/operator.jar"),
                ROOT.resolve("crds"),
                Manifests.defaultExamples(ROOT),
                workDir,
                new PrintStream(NARRATIVE, true, StandardCharsets.UTF_8)));
    p = system.pipeline();
    system.startServices();
    system.data().addUser("u-ada", "ada@example.com", "Ada Lovelace");
    system.data().addNotification("n-welcome", "u-ada", "welcome", Map.of("name", "Ada"));
    system
        .data()
        .addNotification(
            "n-again",
            "u-ada",
            "notification",
            Map.of("title", "Again", "message", "after the roll"));
    system.createTopics();
    system.startControlPlane();
    Kubectl.Result crds = system.kubectl().run("apply", "-f", ROOT.resolve("crds").toString());
    assertThat(crds.exitCode()).as(crds.output()).isZero();
    system
        .kubectl()
        .run("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s")
        .orThrow();
    Kubectl.Result examples =
        system.kubectl().run("apply", "-f", Manifests.defaultExamples(ROOT).toString());
    assertThat(examples.exitCode()).as(examples.output()).isZero();
    system.fillSecretsForLocalServices();
    system.startKubelet();
    system.startOperator();
  }

  static Path jar(String property, String fallback) {
    return Path.of(System.getProperty(property, ROOT.resolve(fallback).toString()))
        .toAbsolutePath()
        .normalize();
  }

  @AfterAll
  static void stop() {
    if (system == null) {
      return;
    }
    List<ProcessHandle> children = new ArrayList<>(ProcessHandle.current().descendants().toList());
    system.close();
    // nothing we started outlives the system
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
  }

  @Test
  void reachesReadyDeliversAnEmailAndRollsOnAChangedInput() throws Exception {
    JsonNode status = system.awaitPipelineReady(Duration.ofSeconds(90));
    assertThat(status.path("health").path("status").asText()).isEqualTo("ready");
    status
        .path("health")
        .path("checks")
        .forEach(check -> assertThat(check.asText()).isEqualTo("ok"));
    assertThat(status.path("health").path("checks").has("database")).isTrue();
    assertThat(status.path("health").path("checks").has("cache")).isTrue();
    // the operator probed each worker pod at its pod IP (the kubelet's), not the Service
    assertThat(status.path("health").path("pods").asInt()).isEqualTo(p.replicas());
    assertThat(system.workerPods().stream().map(pod -> pod.getStatus().getPodIP()).toList())
        .hasSize(p.replicas())
        .doesNotHaveDuplicates()
        .allSatisfy(ip -> assertThat(ip).startsWith("127.0.0.").isNotEqualTo("127.0.0.1"));
    assertThat(status.path("replicas").asInt()).isEqualTo(p.replicas());
    assertThat(status.path("readyReplicas").asInt()).isEqualTo(p.replicas());

    // the worker came from the Deployment the operator wrote, with the kubelet's view of its env
    String deploymentName = p.name() + "-worker";
    Deployment deployment =
        system
            .client()
            .apps()
            .deployments()
            .inNamespace(p.namespace())
            .withName(deploymentName)
            .get();
    assertThat(deployment.getStatus().getReadyReplicas()).isEqualTo(p.replicas());
    assertThat(deployment.getStatus().getObservedGeneration())
        .isEqualTo(deployment.getMetadata().getGeneration());
    assertThat(deployment.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Available");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    List<Pod> workers = system.workerPods();
    assertThat(workers).hasSize(p.replicas());
    Pod first = workers.get(0);
    assertThat(first.getMetadata().getOwnerReferences())
        .as("made by the ReplicaSet controller")
        .anySatisfy(o -> assertThat(o.getKind()).isEqualTo("ReplicaSet"));
    Map<String, String> env =
        system.kubelet().environment(p.namespace(), first.getMetadata().getName());
    assertThat(env.get("MYSQL_PASSWORD"))
        .as("secretKeyRef resolved from the Secret")
        .isEqualTo("app-secret");
    assertThat(env.get("REDIS_URL"))
        .as("from the ConfigMap, in-cluster name kept")
        .isEqualTo(p.redisUrl().toString());
    assertThat(env).containsEntry("HTTP_BIND_ADDRESS", first.getStatus().getPodIP());
    assertThat(system.get("http://" + first.getStatus().getPodIP() + ":8080/healthz", true))
        .isEqualTo("200");

    // the CacheConfig's Redis answered the operator's PING at its in-cluster URL
    String cacheName =
        system
            .manifests()
            .find("NotificationPipeline", p.namespace(), p.name())
            .orElseThrow()
            .path("spec")
            .path("cacheRef")
            .path("name")
            .asText();
    assertThat(
            system.awaitCacheReady(cacheName, Duration.ofSeconds(30)).path("reachable").asBoolean())
        .isTrue();

    // a notification in, an email out
    system.pubsub().publish(p.topic(), BackendData.createdEvent("n-welcome", "u-ada", "email"));
    List<PubSubEmulator.ReceivedMessage> sent =
        system.pubsub().awaitMessages(system.sentWatch(), 1, Duration.ofSeconds(30));
    assertThat(sent).hasSize(1);
    JsonNode event = JSON.readTree(sent.get(0).data());
    assertThat(event.path("notificationId").asText()).isEqualTo("n-welcome");
    assertThat(event.path("status").asText()).isEqualTo("sent");
    List<SesEmulator.SentEmail> emails = system.ses().emails();
    assertThat(emails).hasSize(1);
    assertThat(emails.get(0).to()).containsExactly("ada@example.com");
    assertThat(emails.get(0).subject()).isEqualTo("Welcome to VibeWork!");

    // a message that is not JSON goes to the dead-letter topic with its reason, once, no email
    assertThat(system.deadLetterWatch())
        .as("the example pipeline names a dead-letter topic")
        .isNotNull();
    system.pubsub().publish(p.topic(), "{\"notificationId\": oops this is not json");
    List<PubSubEmulator.ReceivedMessage> dead =
        system.pubsub().awaitMessages(system.deadLetterWatch(), 1, Duration.ofSeconds(30));
    assertThat(dead).hasSize(1);
    assertThat(dead.get(0).attributes().get("deadLetterReason")).isNotBlank();
    assertThat(dead.get(0).data()).isEqualTo("{\"notificationId\": oops this is not json");
    assertThat(system.ses().emails()).hasSize(1);

    // a changed input (the CacheConfig's TTL) changes the inputs hash: the Deployment controller
    // rolls the workers
    String oldHash = first.getMetadata().getLabels().get("pod-template-hash");
    String oldIp = first.getStatus().getPodIP();
    String annotation =
        deployment
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("infra.vibework.io/inputs-hash");
    system
        .client()
        .genericKubernetesResources(LocalSystem.PIPELINES, "CacheConfig")
        .inNamespace(p.namespace())
        .withName(cacheName)
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"ttlSeconds\":1234}}");
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              List<Pod> now = system.workerPods();
              assertThat(now)
                  .hasSize(p.replicas())
                  .allSatisfy(
                      w -> {
                        assertThat(w.getMetadata().getLabels().get("pod-template-hash"))
                            .isNotEqualTo(oldHash);
                        assertThat(ready(w)).isTrue();
                        assertThat(
                                system
                                    .kubelet()
                                    .environment(p.namespace(), w.getMetadata().getName()))
                            .containsEntry("REDIS_TTL_SECONDS", "1234");
                      });
            });
    assertThat(
            system
                .client()
                .pods()
                .inNamespace(p.namespace())
                .withName(first.getMetadata().getName())
                .get())
        .as("the old worker's pod is gone")
        .isNull();
    if (p.replicas() == 1) {
      assertThat(system.get("http://" + oldIp + ":8080/healthz", true))
          .as("the old worker stopped, or its address went to the new one")
          .isIn(null, "200");
    }
    Deployment rolled =
        system
            .client()
            .apps()
            .deployments()
            .inNamespace(p.namespace())
            .withName(deploymentName)
            .get();
    assertThat(
            rolled
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("infra.vibework.io/inputs-hash"))
        .isNotEqualTo(annotation);
    system.awaitPipelineReady(Duration.ofSeconds(60));

    system.pubsub().publish(p.topic(), BackendData.createdEvent("n-again", "u-ada", "email"));
    // The Pub/Sub emulator may not feed a streaming pull opened while the old worker's stream was
    // still open; the client reopens a silent stream after 20 s, so allow for that.
    List<PubSubEmulator.ReceivedMessage> again =
        system.pubsub().awaitMessages(system.sentWatch(), 1, Duration.ofSeconds(60));
    assertThat(again)
        .extracting(m -> JSON.readTree(m.data()).path("status").asText())
        .containsExactly("sent");

    // A quiet cluster stays quiet with quantities the API server rewrites (0.5 -> 500m, 1024Mi ->
    // 1Gi): once rolled and Ready, the operator writes nothing to the pipeline or its objects.
    String beforeResize =
        system.workerPods().get(0).getMetadata().getLabels().get("pod-template-hash");
    system
        .client()
        .genericKubernetesResources(LocalSystem.PIPELINES, "NotificationPipeline")
        .inNamespace(p.namespace())
        .withName(p.name())
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            "{\"spec\":{\"resources\":{\"requests\":{\"cpu\":\"0.5\",\"memory\":\"1024Mi\"},"
                + "\"limits\":{\"memory\":\"2048Mi\"}}}}");
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var requests =
                  system
                      .client()
                      .apps()
                      .deployments()
                      .inNamespace(p.namespace())
                      .withName(deploymentName)
                      .get()
                      .getSpec()
                      .getTemplate()
                      .getSpec()
                      .getContainers()
                      .get(0)
                      .getResources()
                      .getRequests();
              assertThat(requests.get("cpu").toString()).isEqualTo("500m");
              assertThat(requests.get("memory").toString()).isEqualTo("1Gi");
              assertThat(
                      system
                          .client()
                          .apps()
                          .deployments()
                          .inNamespace(p.namespace())
                          .withName(deploymentName)
                          .get()
                          .getSpec()
                          .getTemplate()
                          .getSpec()
                          .getContainers()
                          .get(0)
                          .getResources()
                          .getLimits()
                          .get("memory")
                          .toString())
                  .isEqualTo("2Gi");
            });
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                system.workerPods().size() == p.replicas()
                    && system.workerPods().stream()
                        .allMatch(
                            w ->
                                ready(w)
                                    && !w.getMetadata()
                                        .getLabels()
                                        .get("pod-template-hash")
                                        .equals(beforeResize)));
    system.awaitPipelineReady(Duration.ofSeconds(90));
    Thread.sleep(5000);
    int before = operatorWrites().size();
    Thread.sleep(20_000);
    assertThat(operatorWrites().subList(before, operatorWrites().size()))
        .as("the operator's writes in a quiet 20 s, from the API server's audit log")
        .isEmpty();

    // no secret in the operator's or the kubelet's logs (the operator logs at info here)
    assertThat(system.secretLeaks()).isEmpty();
    for (Path log : List.of(system.operatorLog(), system.kubeletLog())) {
      String text = Files.readString(log);
      assertThat(text)
          .isNotBlank()
          .doesNotContain(
              "change-me-redis",
              "change-me-mysql",
              "app-secret",
              "change-me-aws-secret",
              "AKIAEXAMPLEEXAMPLE");
    }
  }

  /** Every write the operator's ServiceAccount made, as kube-apiserver's audit log has it. */
  private static List<AuditEvent> operatorWrites() {
    return system
        .controlPlane()
        .auditEvents(e -> e.isWrite() && e.user().equals(LocalSystem.operatorUser()));
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }
}
