package io.vibework.notify.testkit.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class LocalKubeletTest {

  @RegisterExtension
  static final KubeControlPlane kube = new KubeControlPlane().withControllerManager();

  @RegisterExtension
  static final LocalKubelet kubelet =
      new LocalKubelet(kube)
          .withRuntime(
              (pod, container, podIp, env) -> {
                env.put("POD_IP", podIp);
                return List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    ProbedContainer.class.getName());
              });

  private final KubernetesClient admin = kube.adminClient();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  void theNodeIsReadyAndItsLeaseIsRenewed() {
    Node node = admin.nodes().withName(LocalKubelet.NODE).get();
    assertThat(node.getStatus().getConditions())
        .anySatisfy(
            c -> {
              assertThat(c.getType()).isEqualTo("Ready");
              assertThat(c.getStatus()).isEqualTo("True");
            });
    ZonedDateTime first = kubelet.leaseRenewTime();
    assertThat(first).isNotNull();
    await().atMost(Duration.ofSeconds(20)).until(() -> kubelet.leaseRenewTime().isAfter(first));
  }

  @Test
  void aDeploymentsPodsRunAsProcessesOnTheirOwnLoopbackIpsWithTheEnvTheirSpecGives()
      throws Exception {
    namespace("envs");
    admin
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("settings")
                .withNamespace("envs")
                .endMetadata()
                .addToData("LOG_LEVEL", "debug")
                .addToData("region", "eu-west-1")
                .build())
        .create();
    admin
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("creds")
                .withNamespace("envs")
                .endMetadata()
                .addToStringData("password", "s3cret")
                .build())
        .create();
    Container c =
        probed()
            .addNewEnvFrom()
            .withNewConfigMapRef()
            .withName("settings")
            .endConfigMapRef()
            .endEnvFrom()
            .addNewEnv()
            .withName("GREETING")
            .withValue("hello")
            .endEnv()
            .addNewEnv()
            .withName("AWS_REGION")
            .withNewValueFrom()
            .withNewConfigMapKeyRef("region", "settings", false)
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("PASSWORD")
            .withNewValueFrom()
            .withNewSecretKeyRef("password", "creds", false)
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("MY_IP")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("status.podIP")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("MY_NAME")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("MY_NAMESPACE")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.namespace")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .addNewEnv()
            .withName("URL")
            .withValue("http://$(MY_IP):8080")
            .endEnv()
            .build();
    deployment("envs", "web", 2, c);

    awaitReadyReplicas("envs", "web", 2);
    List<Pod> pods = admin.pods().inNamespace("envs").list().getItems();
    assertThat(pods).hasSize(2);
    assertThat(pods.stream().map(p -> p.getStatus().getPodIP()).distinct())
        .hasSize(2)
        .allSatisfy(ip -> assertThat(ip).matches("127\\.0\\.0\\.([2-9]|\\d\\d+)"));
    for (Pod pod : pods) {
      assertThat(pod.getSpec().getNodeName()).isEqualTo(LocalKubelet.NODE);
      assertThat(pod.getStatus().getPhase()).isEqualTo("Running");
      assertThat(pod.getStatus().getConditions().stream().map(PodCondition::getType))
          .containsExactly("PodScheduled", "Initialized", "ContainersReady", "Ready");
      assertThat(pod.getStatus().getConditions())
          .allSatisfy(cond -> assertThat(cond.getStatus()).isEqualTo("True"));
      String ip = pod.getStatus().getPodIP();
      Map<String, String> env = env(ip);
      assertThat(env)
          .containsEntry("LOG_LEVEL", "debug")
          .containsEntry("GREETING", "hello")
          .containsEntry("AWS_REGION", "eu-west-1")
          .containsEntry("PASSWORD", "s3cret")
          .containsEntry("MY_IP", ip)
          .containsEntry("MY_NAME", pod.getMetadata().getName())
          .containsEntry("MY_NAMESPACE", "envs")
          .containsEntry("URL", "http://" + ip + ":8080")
          .doesNotContainKey("HOME"); // only what the spec gives (and PATH)
    }
  }

  @Test
  void aPodHeldNotReadyLeavesTheDeploymentsReadyReplicasUntilReleased() {
    namespace("held");
    deployment("held", "web", 2, probed().build());
    awaitReadyReplicas("held", "web", 2);
    Pod pod = admin.pods().inNamespace("held").list().getItems().get(0);
    String name = pod.getMetadata().getName();

    kubelet.setReady("held", name, false);
    await()
        .atMost(Duration.ofSeconds(15))
        .until(() -> !ready(admin.pods().inNamespace("held").withName(name).get()));
    awaitReadyReplicas("held", "web", 1);
    assertThat(admin.pods().inNamespace("held").withName(name).get().getStatus().getPhase())
        .isEqualTo("Running");

    kubelet.setReady("held", name, true);
    awaitReadyReplicas("held", "web", 2);
  }

  @Test
  void aFailingLivenessProbeRestartsTheContainerAndCountsTheRestart() throws Exception {
    namespace("liveness");
    Pod pod = admin.resource(pod("liveness", "flaky", probed().build(), 30)).create();
    Pod running = awaitReady("liveness", "flaky");
    String ip = running.getStatus().getPodIP();

    post("http://" + ip + ":8080/break");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin
                        .pods()
                        .inNamespace("liveness")
                        .withName("flaky")
                        .get()
                        .getStatus()
                        .getContainerStatuses()
                        .get(0)
                        .getRestartCount()
                    == 1);
    Pod restarted = awaitReady("liveness", "flaky");
    assertThat(restarted.getMetadata().getUid()).isEqualTo(pod.getMetadata().getUid());
    assertThat(restarted.getStatus().getPodIP()).isEqualTo(ip);
    assertThat(restarted.getStatus().getContainerStatuses().get(0).getLastState().getTerminated())
        .isNotNull();
    assertThat(status("http://" + ip + ":8080/healthz")).isEqualTo(200);
  }

  @Test
  void deletingAPodSendsSigtermWaitsItsGracePeriodThenKillsAndRemovesIt(@TempDir Path dir)
      throws Exception {
    namespace("graceful");
    Path termFile = dir.resolve("term");
    Container c =
        probed()
            .addNewEnv()
            .withName("TERM_FILE")
            .withValue(termFile.toString())
            .endEnv()
            .addNewEnv()
            .withName("HANG_SECONDS")
            .withValue("120")
            .endEnv()
            .build();
    admin.resource(pod("graceful", "slow", c, 3)).create();
    String ip = awaitReady("graceful", "slow").getStatus().getPodIP();

    long start = System.nanoTime();
    admin.pods().inNamespace("graceful").withName("slow").delete();
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(termFile));
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> admin.pods().inNamespace("graceful").withName("slow").get() == null);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(15));
    assertThatThrownBy(() -> status("http://" + ip + ":8080/healthz"))
        .isInstanceOf(ConnectException.class);
  }

  // ---- helpers --------------------------------------------------------------------------------

  private static ContainerBuilder probed() {
    return new ContainerBuilder()
        .withName("app")
        .withImage("example/probed:1")
        .addNewPort()
        .withName("http")
        .withContainerPort(8080)
        .endPort()
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withPath("/readyz")
        .withNewPort("http")
        .endHttpGet()
        .withPeriodSeconds(1)
        .endReadinessProbe()
        .withNewLivenessProbe()
        .withNewHttpGet()
        .withPath("/healthz")
        .withNewPort(8080)
        .endHttpGet()
        .withInitialDelaySeconds(1)
        .withPeriodSeconds(1)
        .withFailureThreshold(2)
        .endLivenessProbe();
  }

  private void namespace(String name) {
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private void deployment(String ns, String name, int replicas, Container c) {
    admin
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(ns)
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withContainers(c)
                .endSpec()
                .endTemplate()
                .endSpec()
                .build())
        .create();
  }

  private static Pod pod(String ns, String name, Container c, long grace) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withNewSpec()
        .withContainers(c)
        .withTerminationGracePeriodSeconds(grace)
        .endSpec()
        .build();
  }

  private void awaitReadyReplicas(String ns, String name, int ready) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> {
              var d = admin.apps().deployments().inNamespace(ns).withName(name).get();
              Integer n = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
              return (n == null ? 0 : n) == ready;
            });
  }

  private Pod awaitReady(String ns, String name) {
    return await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> admin.pods().inNamespace(ns).withName(name).get(), LocalKubeletTest::ready);
  }

  private static boolean ready(Pod p) {
    return p != null
        && p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  private Map<String, String> env(String ip) throws IOException, InterruptedException {
    String body =
        http.send(
                HttpRequest.newBuilder(URI.create("http://" + ip + ":8080/env")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return body.lines()
        .map(l -> l.split("=", 2))
        .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
  }

  private int status(String url) throws IOException, InterruptedException {
    return http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  private void post(String url) throws IOException, InterruptedException {
    http.send(
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.discarding());
  }
}
