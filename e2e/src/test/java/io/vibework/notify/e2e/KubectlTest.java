package io.vibework.notify.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The machine's kubectl against kube-apiserver, as a user first meets the CRDs: apply of crds/ and
 * examples/ (client and server validation on), discovery of the kinds and short names, the printer
 * columns before and after a status, the {@code vibework} category, {@code kubectl scale} through
 * the CRD's scale subresource, and {@code kubectl explain} from the published OpenAPI.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KubectlTest {

  static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();

  static Kubectl kubectl;
  static Manifests.Pipeline pipeline;

  @BeforeAll
  static void start() throws Exception {
    Path kubeconfig =
        kube.writeKubeconfig(
            Files.createTempDirectory("kubectl-test").resolve("kubeconfig"), kube.adminToken());
    kubectl = new Kubectl(kubeconfig);
    pipeline = Manifests.load(Manifests.defaultExamples(ROOT)).pipeline();
  }

  @Test
  @Order(1)
  void appliesCrdsThenExamples() {
    Kubectl.Result crds = kubectl.run("apply", "-f", ROOT.resolve("crds").toString());
    assertThat(crds.exitCode()).as(crds.output()).isZero();
    assertThat(crds.output())
        .contains(
            "customresourcedefinition.apiextensions.k8s.io/notificationpipelines.infra.vibework.io created",
            "customresourcedefinition.apiextensions.k8s.io/cacheconfigs.infra.vibework.io created");

    // the API server publishes the CRDs' OpenAPI a moment after they are Established
    kubectl.run("wait", "--for=condition=Established", "crd", "--all", "--timeout=60s").orThrow();
    Kubectl.Result examples =
        kubectl.run("apply", "-f", Manifests.defaultExamples(ROOT).toString());
    assertThat(examples.exitCode()).as(examples.output()).isZero();
    assertThat(examples.output())
        .contains(
            "namespace/" + pipeline.namespace() + " created",
            "notificationpipeline.infra.vibework.io/" + pipeline.name() + " created",
            "cacheconfig.infra.vibework.io/");

    Kubectl.Result again = kubectl.run("apply", "-f", Manifests.defaultExamples(ROOT).toString());
    assertThat(again.exitCode()).as(again.output()).isZero();
    assertThat(again.output())
        .contains("notificationpipeline.infra.vibework.io/" + pipeline.name() + " unchanged");
  }

  @Test
  @Order(2)
  void discoversTheCustomKindsWithShortNames() {
    Kubectl.Result resources = kubectl.run("api-resources", "--api-group=infra.vibework.io");
    assertThat(resources.exitCode()).as(resources.output()).isZero();
    assertThat(resources.output())
        .containsPattern(
            "notificationpipelines\\s+np\\s+infra.vibework.io/v1alpha1\\s+true\\s+NotificationPipeline")
        .containsPattern(
            "cacheconfigs\\s+cachecfg\\s+infra.vibework.io/v1alpha1\\s+true\\s+CacheConfig");
  }

  @Test
  @Order(3)
  void printsPrinterColumnsBeforeAndAfterStatus() {
    Kubectl.Result before = kubectl.run("get", "notificationpipelines", "-n", pipeline.namespace());
    assertThat(before.exitCode()).as(before.output()).isZero();
    String header = before.output().lines().findFirst().orElse("");
    assertThat(header.split("\\s+"))
        .containsExactly("NAME", "READY", "REASON", "REPLICAS", "READY-REPLICAS", "AGE");
    Kubectl.Result caches = kubectl.run("get", "cachecfg", "-n", pipeline.namespace());
    assertThat(caches.exitCode()).as(caches.output()).isZero();
    assertThat(caches.output().lines().findFirst().orElse("").split("\\s+"))
        .containsExactly("NAME", "READY", "REASON", "REACHABLE", "AGE");

    // what the operator writes, through the status subresource
    kube.adminClient()
        .genericKubernetesResources(LocalSystem.PIPELINES, "NotificationPipeline")
        .inNamespace(pipeline.namespace())
        .withName(pipeline.name())
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            """
                        {"status":{"observedGeneration":1,"replicas":2,"readyReplicas":1,
                          "conditions":[{"type":"Ready","status":"False","reason":"AwaitingHealth","message":"m","lastTransitionTime":"2030-01-01T00:00:00Z"},
                                        {"type":"Degraded","status":"False","reason":"AsExpected","message":"","lastTransitionTime":"2030-01-01T00:00:00Z"}]}}""");

    Kubectl.Result after = kubectl.run("get", "np", "-n", pipeline.namespace());
    assertThat(after.exitCode()).as(after.output()).isZero();
    List<String> lines = after.output().lines().toList();
    List<String> columns = List.of(lines.get(0).split("\\s+"));
    List<String> row = List.of(lines.get(1).split("\\s+"));
    assertThat(row.get(columns.indexOf("NAME"))).isEqualTo(pipeline.name());
    assertThat(row.get(columns.indexOf("READY"))).isEqualTo("False");
    assertThat(row.get(columns.indexOf("REASON"))).isEqualTo("AwaitingHealth");
    assertThat(row.get(columns.indexOf("REPLICAS"))).isEqualTo("2");
    assertThat(row.get(columns.indexOf("READY-REPLICAS"))).isEqualTo("1");
    assertThat(row.get(columns.indexOf("AGE"))).matches("\\d+s");

    Kubectl.Result wide =
        kubectl.run("get", "notificationpipelines,cacheconfigs", "-A", "-o", "wide");
    assertThat(wide.output())
        .contains(
            "NAMESPACE",
            pipeline.namespace(),
            "notificationpipeline.infra.vibework.io/" + pipeline.name(),
            "cacheconfig.infra.vibework.io/");
  }

  @Test
  @Order(4)
  void secretsStoreStringDataAsDataAndErrorsReadLikeAServer() {
    Kubectl.Result secrets = kubectl.run("get", "secrets", "-n", pipeline.namespace());
    assertThat(secrets.output()).containsPattern(pipeline.mysqlSecret() + "\\s+Opaque\\s+2\\s");
    assertThat(
            kube.adminClient()
                .secrets()
                .inNamespace(pipeline.namespace())
                .withName(pipeline.mysqlSecret())
                .get()
                .getData())
        .containsKeys("username", "password");

    Kubectl.Result missing = kubectl.run("get", "np", "nope", "-n", pipeline.namespace());
    assertThat(missing.exitCode()).isNotZero();
    assertThat(missing.output())
        .contains(
            "Error from server (NotFound): notificationpipelines.infra.vibework.io \"nope\" not found");
  }

  @Test
  @Order(5)
  void vibeworkCategoryListsBothKinds() {
    Kubectl.Result all = kubectl.run("get", "vibework", "-n", pipeline.namespace());
    assertThat(all.exitCode()).as(all.output()).isZero();
    assertThat(all.output())
        .contains(
            "notificationpipeline.infra.vibework.io/" + pipeline.name(),
            "cacheconfig.infra.vibework.io/");
  }

  @Test
  @Order(6)
  void kubectlScaleWritesSpecReplicasThroughTheScaleSubresource() {
    Kubectl.Result scaled =
        kubectl.run("scale", "np", pipeline.name(), "-n", pipeline.namespace(), "--replicas", "3");
    assertThat(scaled.exitCode()).as(scaled.output()).isZero();
    assertThat(scaled.output())
        .contains("notificationpipeline.infra.vibework.io/" + pipeline.name() + " scaled");
    Kubectl.Result replicas =
        kubectl.run(
            "get",
            "np",
            pipeline.name(),
            "-n",
            pipeline.namespace(),
            "-o",
            "jsonpath={.spec.replicas}");
    assertThat(replicas.output().trim()).isEqualTo("3");
    Kubectl.Result scale =
        kubectl.run(
            "get",
            "--raw",
            "/apis/infra.vibework.io/v1alpha1/namespaces/"
                + pipeline.namespace()
                + "/notificationpipelines/"
                + pipeline.name()
                + "/scale");
    assertThat(scale.exitCode()).as(scale.output()).isZero();
    assertThat(scale.output()).contains("\"kind\":\"Scale\"", "\"replicas\":3");
  }

  @Test
  @Order(7)
  void kubectlExplainDescribesTheNewFields() {
    Kubectl.Result explain = kubectl.run("explain", "np.spec.autoscaling.maxReplicas");
    assertThat(explain.exitCode()).as(explain.output()).isZero();
    assertThat(explain.output())
        .contains("KIND:", "NotificationPipeline", "maxReplicaCount", "Most workers KEDA runs");
    Kubectl.Result grace =
        kubectl.run("explain", "notificationpipelines.spec.terminationGracePeriodSeconds");
    assertThat(grace.exitCode()).as(grace.output()).isZero();
    assertThat(grace.output()).contains("SHUTDOWN_GRACE_SECONDS");
  }
}
