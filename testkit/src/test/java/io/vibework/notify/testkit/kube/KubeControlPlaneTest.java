package io.vibework.notify.testkit.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class KubeControlPlaneTest {

  @RegisterExtension
  static final KubeControlPlane kube = new KubeControlPlane().withControllerManager();

  private final KubernetesClient admin = kube.adminClient();

  @Test
  void servesTheRealApiOfThePinnedRelease() {
    assertThat(admin.getKubernetesVersion().getGitVersion()).isEqualTo("v1.37.2");
    assertThat(kube.url()).startsWith("https://127.0.0.1:");
  }

  @Test
  void theControllersTurnADeploymentIntoPodsAndTheGarbageCollectorRemovesThem() {
    namespace("workloads");
    Deployment d =
        admin
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .withNamespace("workloads")
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(2)
                    .withNewSelector()
                    .addToMatchLabels("app", "web")
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .addToLabels("app", "web")
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("web")
                    .withImage("example/web:1")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
    // No scheduler and no kubelet here: the pods exist, unbound and Pending.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.pods().inNamespace("workloads").list().getItems().size() == 2);
    assertThat(admin.pods().inNamespace("workloads").list().getItems())
        .allSatisfy(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Pending"));

    admin.resource(d).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                admin.apps().replicaSets().inNamespace("workloads").list().getItems().isEmpty()
                    && admin.pods().inNamespace("workloads").list().getItems().isEmpty());
  }

  @Test
  void enforcesRbacOnServiceAccountTokens() {
    namespace("rbac");
    admin
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName("nobody")
                .withNamespace("rbac")
                .endMetadata()
                .build())
        .create();
    try (KubernetesClient nobody = kube.clientFor(kube.serviceAccountToken("rbac", "nobody"))) {
      assertThatThrownBy(() -> nobody.configMaps().inNamespace("rbac").list())
          .isInstanceOfSatisfying(
              KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
    }
    assertThat(
            kube.auditEvents(
                e -> e.user().equals("system:serviceaccount:rbac:nobody") && e.forbidden()))
        .extracting(AuditEvent::verb, AuditEvent::resource)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("list", "configmaps"));
  }

  @Test
  void theAuditLogCountsEveryWrite() {
    namespace("audit");
    admin
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName("c")
                .withNamespace("audit")
                .endMetadata()
                .addToData("k", "v")
                .build())
        .create();
    admin
        .configMaps()
        .inNamespace("audit")
        .withName("c")
        .edit(
            c -> {
              c.getData().put("k", "w");
              return c;
            });

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(
                        kube.auditEvents(
                            e ->
                                e.isWrite()
                                    && e.resource().equals("configmaps")
                                    && e.namespace().equals("audit")))
                    .extracting(AuditEvent::verb)
                    .containsExactly("create", "patch"));
  }

  @Test
  void listensOnLoopbackOnly() throws IOException {
    Set<String> inodes = new HashSet<>();
    List<ProcessHandle> servers =
        ProcessHandle.current()
            .descendants()
            .filter(
                p ->
                    p.info()
                        .command()
                        .map(c -> c.endsWith("/etcd") || c.contains("/kube-"))
                        .orElse(false))
            .toList();
    assertThat(servers).hasSize(3);
    for (ProcessHandle p : servers) {
      try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(p.pid()), "fd"))) {
        fds.forEach(
            fd -> {
              try {
                String target = Files.readSymbolicLink(fd).toString();
                if (target.startsWith("socket:[")) {
                  inodes.add(target.substring(8, target.length() - 1));
                }
              } catch (IOException gone) {
                // closed while listing
              }
            });
      }
    }
    List<String> listening =
        Stream.of("/proc/net/tcp", "/proc/net/tcp6")
            .flatMap(KubeControlPlaneTest::lines)
            .map(l -> l.trim().split("\\s+"))
            .filter(f -> f.length > 9 && f[3].equals("0A") && inodes.contains(f[9]))
            .map(f -> f[1])
            .toList();
    assertThat(listening).isNotEmpty();
    // 0100007F is 127.0.0.1 (little-endian); IPv6 loopback is ...0001000000000000.
    assertThat(listening)
        .allSatisfy(
            a ->
                assertThat(a)
                    .matches(
                        "0100007F:.*|0000000000000000FFFF00000100007F:.*|00000000000000000000000001000000:.*"));
  }

  private void namespace(String name) {
    admin
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  private static Stream<String> lines(String file) {
    try {
      return Files.readAllLines(Path.of(file)).stream().skip(1);
    } catch (IOException e) {
      return Stream.empty();
    }
  }
}
