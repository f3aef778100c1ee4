package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A platform team's first steps, on a real kube-apiserver: {@code helm install} of the chart,
 * {@code kubectl apply -f crds/}, the examples with {@code --dry-run=server} and for real, then
 * what {@code kubectl explain} and {@code kubectl get} print.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstallOnKubeApiServerTest {

  @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();
  @TempDir static Path dir;

  private static KubernetesClient admin;
  private static Kubectl kubectl;
  private static Path kubeconfig;

  @BeforeAll
  static void kubeconfig() {
    admin = kube.adminClient();
    kubeconfig = kube.writeKubeconfig(dir.resolve("kubeconfig"), kube.adminToken());
    kubectl = new Kubectl(kubeconfig);
  }

  @Test
  @Order(1)
  void helmInstallsTheChartWithItsCrds() {
    Release release =
        new Helm(Chart.dir())
            .install()
            .withName(Chart.RELEASE)
            .withNamespace(Chart.NAMESPACE)
            .createNamespace()
            .withKubeConfig(kubeconfig)
            .call();

    assertThat(release.getStatus()).isEqualTo("deployed");
    assertThat(
            admin.apiextensions().v1().customResourceDefinitions().list().getItems().stream()
                .map(c -> c.getMetadata().getName()))
        .contains("notificationpipelines.infra.vibework.io", "cacheconfigs.infra.vibework.io");
    assertThat(
            admin.apps().deployments().inNamespace(Chart.NAMESPACE).withName(Chart.RELEASE).get())
        .isNotNull();
    assertThat(admin.rbac().clusterRoles().withName(Chart.RELEASE).get()).isNotNull();
    await().atMost(Duration.ofSeconds(30)).until(() -> established("notificationpipelines"));
  }

  @Test
  @Order(2)
  void kubectlAppliesTheCommittedCrdsOverTheChartsOwn() {
    Kubectl.Result result = kubectl.run("apply", "-f", repo("crds").toString()).orThrow();
    assertThat(result.output())
        .contains("customresourcedefinition.apiextensions.k8s.io/notificationpipelines")
        .contains("customresourcedefinition.apiextensions.k8s.io/cacheconfigs");
    assertThat(established("notificationpipelines") && established("cacheconfigs")).isTrue();
  }

  @Test
  @Order(3)
  void everyExampleAppliesWithServerDryRunAndForReal() throws Exception {
    // A server-side dry run of a namespace does not create it, so the namespaced files need it.
    kubectl.run("apply", "-f", repo("examples/00-namespace.yaml").toString()).orThrow();
    List<Path> files;
    try (Stream<Path> all = Files.walk(repo("examples"))) {
      files = all.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(6);
    for (Path file : files) {
      Kubectl.Result dryRun = kubectl.run("apply", "--dry-run=server", "-f", file.toString());
      assertThat(dryRun.exitCode()).as(file + ":\n" + dryRun.output()).isZero();
      assertThat(dryRun.output()).contains("(server dry run)");
    }
    for (Path file : files) {
      Kubectl.Result real = kubectl.run("apply", "-f", file.toString());
      assertThat(real.exitCode()).as(file + ":\n" + real.output()).isZero();
    }
    assertThat(kubectl.run("get", "np", "-n", "notify-demo", "-o", "name").orThrow().output())
        .contains("notificationpipeline.infra.vibework.io/email");
  }

  @Test
  @Order(4)
  void kubectlExplainDescribesAFieldFromTheCrd() {
    String out = kubectl.run("explain", "np.spec.email.maxSendRate").orThrow().output();
    assertThat(out).contains("KIND:", "NotificationPipeline", "FIELD:", "maxSendRate <integer>");
    assertThat(out).contains("Emails per second for the whole pipeline");
  }

  @Test
  @Order(5)
  void kubectlGetPrintsTheDocumentedColumnsAndTheVibeworkCategory() {
    String pipelines = kubectl.run("get", "np", "-n", "notify-demo").orThrow().output();
    assertThat(header(pipelines))
        .containsExactly("NAME", "READY", "REASON", "REPLICAS", "READY-REPLICAS", "AGE");
    String caches = kubectl.run("get", "cachecfg", "-n", "notify-demo").orThrow().output();
    assertThat(header(caches)).containsExactly("NAME", "READY", "REASON", "REACHABLE", "AGE");
    String wide =
        kubectl.run("get", "cachecfg", "-n", "notify-demo", "-o", "wide").orThrow().output();
    assertThat(header(wide)).contains("LATENCY-MS");

    String both = kubectl.run("get", "np,cachecfg", "-n", "notify-demo").orThrow().output();
    assertThat(both)
        .contains("notificationpipeline.infra.vibework.io/email")
        .contains("cacheconfig.infra.vibework.io/shared-cache");
    String category = kubectl.run("get", "vibework", "-A", "-o", "name").orThrow().output();
    assertThat(category.lines())
        .contains(
            "notificationpipeline.infra.vibework.io/email",
            "cacheconfig.infra.vibework.io/shared-cache");
  }

  private static List<String> header(String table) {
    return List.of(table.lines().findFirst().orElseThrow().trim().split("\\s+"));
  }

  private static Path repo(String path) {
    return Chart.repoRoot().resolve(path);
  }

  private static boolean established(String plural) {
    CustomResourceDefinition crd =
        admin
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName(plural + ".infra.vibework.io")
            .get();
    return crd != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
  }
}
