package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.vibework.notify.operator.config.OperatorConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Lints and renders helm/notification-operator with helm-java (Helm's own Go code, no binary). */
class HelmChartTest {

  static final String NON_DEFAULT =
      """
      replicaCount: 2
      watchNamespaces: [notify-demo, team-b]
      logLevel: debug
      probeIntervalSeconds: 10
      leaderElection:
        leaseName: my-lock
      resources:
        requests: {cpu: 250m, memory: 384Mi}
        limits: {cpu: "1", memory: 768Mi}
      metrics:
        serviceMonitor:
          enabled: true
          labels: {release: prometheus}
      """;

  static final String CHART_VERSION = "0.2.0";

  /** Every optional object on, so every generated name is rendered. */
  static final String EVERYTHING_ON =
      """
      replicaCount: 2
      watchNamespaces: [notify-demo, team-b]
      metrics:
        serviceMonitor: {enabled: true}
      monitoring:
        workerPodMonitor: {enabled: true}
        prometheusRule: {enabled: true, backlog: {enabled: true}}
        grafanaDashboard: {enabled: true}
      """;

  private static final Pattern DNS_LABEL = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Pattern DNS_1035_LABEL = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");

  /** The operator's whole environment (OperatorConfig.fromEnv), no more, no less. */
  static final Set<String> OPERATOR_ENV =
      Set.of(
          "WATCH_NAMESPACES",
          "PROBE_INTERVAL_SECONDS",
          "LEADER_ELECTION_ENABLED",
          "LEADER_ELECTION_NAMESPACE",
          "POD_NAMESPACE",
          "LEADER_ELECTION_LEASE_NAME",
          "HTTP_PORT",
          "LOG_LEVEL");

  @Test
  void lintsCleanInStrictMode() {
    LintResult result = new Helm(Chart.dir()).lint().strict().call();
    assertThat(result.isFailed()).as("helm lint --strict: %s", result.getMessages()).isFalse();
    assertThat(result.getMessages())
        .as("lint messages")
        .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
  }

  @ParameterizedTest(name = "non-default values: {0}")
  @ValueSource(booleans = {false, true})
  void everyRenderedDocumentIsAKubernetesObjectWithTheStandardLabels(boolean nonDefault) {
    List<HasMetadata> objects = Chart.render(nonDefault ? NON_DEFAULT : "");
    assertThat(objects).isNotEmpty();
    for (HasMetadata o : objects) {
      assertThat(o.getApiVersion()).as("apiVersion of %s", o).isNotBlank();
      assertThat(o.getKind()).as("kind of %s", o).isNotBlank();
      assertThat(o.getMetadata().getName()).as("name of a %s", o.getKind()).isNotBlank();
      if (o instanceof CustomResourceDefinition) {
        continue;
      }
      assertThat(o.getMetadata().getLabels())
          .as("labels of %s %s", o.getKind(), o.getMetadata().getName())
          .containsEntry("app.kubernetes.io/name", "notification-operator")
          .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
          .containsEntry("app.kubernetes.io/version", "0.1.0")
          .containsEntry("app.kubernetes.io/managed-by", "Helm")
          .containsEntry("helm.sh/chart", "notification-operator-" + CHART_VERSION);
      boolean clusterScoped = o instanceof ClusterRole || o instanceof ClusterRoleBinding;
      if (clusterScoped) {
        assertThat(o.getMetadata().getNamespace()).isNull();
      } else if (!(o instanceof Role || o instanceof RoleBinding)) {
        assertThat(o.getMetadata().getNamespace())
            .as("namespace of %s", o.getKind())
            .isEqualTo(Chart.NAMESPACE);
      }
    }
    Map<String, Long> kinds =
        objects.stream()
            .collect(
                Collectors.groupingBy(HasMetadata::getKind, TreeMap::new, Collectors.counting()));
    if (nonDefault) {
      // One Role+RoleBinding per watched namespace plus the leader-election pair; no cluster-wide
      // RBAC.
      assertThat(kinds)
          .containsEntry("Role", 3L)
          .containsEntry("RoleBinding", 3L)
          .containsEntry("ServiceMonitor", 1L)
          .doesNotContainKeys("ClusterRole", "ClusterRoleBinding");
      GenericKubernetesResource monitor =
          (GenericKubernetesResource)
              Chart.find(objects, "ServiceMonitor", Chart.RELEASE).orElseThrow();
      assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "prometheus");
      assertThat(monitor.toString()).contains("port=http", "path=/metrics");
    } else {
      assertThat(kinds)
          .containsEntry("ClusterRole", 1L)
          .containsEntry("ClusterRoleBinding", 1L)
          .containsEntry("Role", 1L)
          .containsEntry("RoleBinding", 1L)
          .doesNotContainKey("ServiceMonitor");
    }
    assertThat(kinds)
        .containsEntry("Deployment", 1L)
        .containsEntry("ServiceAccount", 1L)
        .containsEntry("Service", 1L);
    ServiceAccount sa = Chart.one(objects, ServiceAccount.class);
    assertThat(sa.getMetadata().getName()).isEqualTo(Chart.RELEASE);
    Service metrics = Chart.one(objects, Service.class);
    assertThat(metrics.getMetadata().getName()).isEqualTo(Chart.RELEASE + "-metrics");
    assertThat(metrics.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getTargetPort().getStrVal()).isEqualTo("http");
            });
    assertThat(metrics.getSpec().getSelector())
        .isEqualTo(Chart.one(objects, Deployment.class).getSpec().getSelector().getMatchLabels());
  }

  @Test
  void deploymentRunsTheOperatorWithItsOwnEnvironmentProbesAndARestrictedSecurityContext() {
    Deployment d = Chart.one(Chart.render(""), Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(1);
    var pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo(Chart.RELEASE);
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    Container c = pod.getContainers().get(0);
    assertThat(pod.getContainers()).hasSize(1);
    assertThat(c.getImage()).isEqualTo("ghcr.io/vibework/notification-operator:0.1.0");
    assertThat(c.getCommand()).isNullOrEmpty();
    assertThat(c.getArgs()).isNullOrEmpty();
    assertThat(c.getEnv())
        .extracting(EnvVar::getName)
        .containsExactlyInAnyOrderElementsOf(OPERATOR_ENV);
    assertThat(c.getEnvFrom()).isNullOrEmpty();
    assertThat(env(c).get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env(c).get("LEADER_ELECTION_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(c.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(8080);
            });
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("http");
    var sc = c.getSecurityContext();
    assertThat(sc.getRunAsNonRoot()).isTrue();
    assertThat(sc.getReadOnlyRootFilesystem()).isTrue();
    assertThat(sc.getAllowPrivilegeEscalation()).isFalse();
    assertThat(sc.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(sc.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/tmp");
              assertThat(pod.getVolumes())
                  .anySatisfy(
                      v -> {
                        assertThat(v.getName()).isEqualTo(m.getName());
                        assertThat(v.getEmptyDir()).isNotNull();
                      });
            });
    assertThat(c.getResources().getRequests())
        .containsEntry("cpu", new Quantity("100m"))
        .containsEntry("memory", new Quantity("256Mi"));
    assertThat(c.getResources().getLimits()).containsEntry("memory", new Quantity("512Mi"));

    // The operator's own parser accepts the rendered environment (downward API resolved as the
    // kubelet would).
    OperatorConfig config = OperatorConfig.fromEnv(resolvedEnv(c));
    assertThat(config.watchAllNamespaces()).isTrue();
    assertThat(config.leaderElectionEnabled()).isTrue();
    assertThat(config.leaderElectionNamespace()).isEqualTo(Chart.NAMESPACE);
    assertThat(config.leaderElectionLeaseName()).isEqualTo("notification-operator-lock");
    assertThat(config.probeInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.logLevel()).isEqualTo("info");
  }

  @Test
  void nonDefaultValuesReachTheDeployment() {
    Deployment d = Chart.one(Chart.render(NON_DEFAULT), Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(2);
    Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getResources().getRequests())
        .containsEntry("cpu", new Quantity("250m"))
        .containsEntry("memory", new Quantity("384Mi"));
    assertThat(c.getResources().getLimits())
        .containsEntry("cpu", new Quantity("1"))
        .containsEntry("memory", new Quantity("768Mi"));
    OperatorConfig config = OperatorConfig.fromEnv(resolvedEnv(c));
    assertThat(config.watchNamespaces()).containsExactlyInAnyOrder("notify-demo", "team-b");
    assertThat(config.probeInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.logLevel()).isEqualTo("debug");
    assertThat(config.leaderElectionLeaseName()).isEqualTo("my-lock");
  }

  @Test
  void aPubSubKeySecretIsMountedReadOnlyAndNamedForGoogleClients() {
    Deployment none = Chart.one(Chart.render(""), Deployment.class);
    assertThat(none.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .noneMatch(e -> e.getName().equals("GOOGLE_APPLICATION_CREDENTIALS"));

    Deployment d =
        Chart.one(
            Chart.render("pubsubCredentials:\n  secretName: operator-pubsub\n  key: sa.json\n"),
            Deployment.class);
    var pod = d.getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().get(0);
    assertThat(c.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("GOOGLE_APPLICATION_CREDENTIALS");
              assertThat(e.getValue()).isEqualTo("/var/run/secrets/pubsub/sa.json");
            });
    assertThat(c.getVolumeMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/var/run/secrets/pubsub");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getSecret()).isNotNull();
              assertThat(v.getSecret().getSecretName()).isEqualTo("operator-pubsub");
            });
  }

  @Test
  void renderingIsDeterministic() {
    assertThat(Chart.template("")).isEqualTo(Chart.template(""));
    assertThat(Chart.template(NON_DEFAULT)).isEqualTo(Chart.template(NON_DEFAULT));
  }

  @Test
  void chartCrdsAreByteIdenticalCopiesOfTheTopLevelCrds() throws IOException {
    Path top = Chart.repoRoot().resolve("crds");
    Path inChart = Chart.dir().resolve("crds");
    assertThat(names(inChart))
        .as("files in %s (fix: cp crds/*.yml %s/)", inChart, inChart)
        .isEqualTo(names(top));
    for (String name : names(top)) {
      assertThat(Files.readAllBytes(inChart.resolve(name)))
          .as(
              "%s differs from crds/%s (fix: cp crds/*.yml helm/notification-operator/crds/)",
              name, name)
          .isEqualTo(Files.readAllBytes(top.resolve(name)));
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "replicaCount: -1                                     | /replicaCount",
        "replicaCount: \"2\"                                  | /replicaCount",
        "logLevel: loud                                       | /logLevel",
        "probeIntervalSeconds: 0                              | /probeIntervalSeconds",
        "watchNamespaces: [Not_A_Namespace]                   | /watchNamespaces/0",
        "replicaCount2: 2                                     | replicaCount2",
        "metrics: {serviceMonitor: {enabled: yes-please}}     | /metrics/serviceMonitor/enabled"
      })
  void schemaRejectsBadValues(String values, String where) {
    assertThatThrownBy(() -> Chart.template(values))
        .as("helm template with %s", values)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(where);
  }

  @Test
  void moreThanOneReplicaNeedsLeaderElection() {
    assertThatThrownBy(() -> Chart.template("replicaCount: 2\nleaderElection: {enabled: false}\n"))
        .hasMessageContaining("replicaCount above 1 needs leaderElection.enabled=true");
  }

  @Test
  void serviceMonitorNeedsTheMetricsService() {
    assertThatThrownBy(
            () ->
                Chart.template(
                    "metrics: {service: {enabled: false}, serviceMonitor: {enabled: true}}\n"))
        .hasMessageContaining("metrics.serviceMonitor.enabled needs metrics.service.enabled");
  }

  /**
   * Helm accepts release names up to 53 characters; a real API server refuses any object whose name
   * is not a DNS label (63), and a Service's must also start with a letter.
   */
  @ParameterizedTest(name = "release {0}")
  @ValueSource(
      strings = {
        // 53 characters, without the chart name: <release>-notification-operator is cut
        "a-release-name-of-fifty-three-characters-for-testing1",
        // 53 characters, containing the chart name: the release name is the full name
        "notification-operator-and-a-long-suffix-to-fifty-thr",
        // dots are allowed in release names, not in Service names
        "team.notifications.production"
      })
  void everyGeneratedNameIsADnsLabelWithHelmsLongestReleaseName(String release) {
    assertThat(release.length()).isLessThanOrEqualTo(53);
    List<HasMetadata> objects = Chart.parse(Chart.template(release, EVERYTHING_ON, Map.of()));
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .contains("Service", "PodMonitor", "PrometheusRule", "ConfigMap", "RoleBinding");
    for (HasMetadata o : objects) {
      if (o instanceof CustomResourceDefinition) {
        continue; // <plural>.<group>, fixed by the API
      }
      String name = o.getMetadata().getName();
      assertThat(name)
          .as("%s %s: a DNS label of at most 63 characters", o.getKind(), name)
          .hasSizeLessThanOrEqualTo(63)
          .matches(DNS_LABEL);
      if (o instanceof Service) {
        assertThat(name).as("Service %s: starts with a letter", name).matches(DNS_1035_LABEL);
      }
      assertThat(o.getMetadata().getLabels().values())
          .as("label values of %s %s", o.getKind(), name)
          .allSatisfy(v -> assertThat(v).hasSizeLessThanOrEqualTo(63));
    }
    String metricsService = Chart.one(objects, Service.class).getMetadata().getName();
    assertThat(metricsService).endsWith("-metrics");
    assertThat(
            Chart.find(
                objects,
                "RoleBinding",
                metricsService.replace("-metrics", "") + "-leader-election"))
        .as("leader-election RoleBinding beside %s", metricsService)
        .isPresent();
  }

  @Test
  void fullnameOverrideIsLimitedToWhatKeepsEverySuffixedNameADnsLabel() {
    String longest = "o".repeat(47);
    List<HasMetadata> objects =
        Chart.parse(
            Chart.template(
                Chart.RELEASE, EVERYTHING_ON + "fullnameOverride: " + longest + "\n", Map.of()));
    assertThat(Chart.one(objects, Deployment.class).getMetadata().getName()).isEqualTo(longest);
    assertThat(Chart.one(objects, Service.class).getMetadata().getName())
        .isEqualTo(longest + "-metrics");
    assertThat(objects)
        .allSatisfy(o -> assertThat(o.getMetadata().getName()).hasSizeLessThanOrEqualTo(63));

    assertThatThrownBy(() -> Chart.template("fullnameOverride: " + "o".repeat(48) + "\n"))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("/fullnameOverride");
    assertThatThrownBy(() -> Chart.template("fullnameOverride: My_Operator\n"))
        .hasMessageContaining("/fullnameOverride");
  }

  @ParameterizedTest(name = "tmpSizeLimit {0}")
  @ValueSource(strings = {"64Mi", "1G", "500M", "0.5Gi", "1e9", "128974848", "2Ti", "100k"})
  void tmpSizeLimitAcceptsKubernetesQuantities(String quantity) {
    Deployment d =
        Chart.one(Chart.render("tmpSizeLimit: \"" + quantity + "\"\n"), Deployment.class);
    Quantity rendered =
        d.getSpec().getTemplate().getSpec().getVolumes().stream()
            .filter(v -> v.getEmptyDir() != null)
            .findFirst()
            .orElseThrow()
            .getEmptyDir()
            .getSizeLimit();
    assertThat(rendered).isEqualTo(new Quantity(quantity));
    // fabric8's parser (the API server's grammar) reads it as a number of bytes
    assertThat(Quantity.getAmountInBytes(rendered)).isPositive();
  }

  @ParameterizedTest(name = "tmpSizeLimit {0}")
  @ValueSource(strings = {"64MB", "lots", "-1Gi", "1.5.Gi", "", "64 Mi", "Mi"})
  void tmpSizeLimitRefusesWhatIsNotAQuantity(String junk) {
    assertThatThrownBy(() -> Chart.template("tmpSizeLimit: \"" + junk + "\"\n"))
        .as("tmpSizeLimit %s", junk)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining("/tmpSizeLimit");
  }

  @Test
  void aProbeSetToNullIsLeftOutAndTheOtherStays() {
    Container withoutLiveness =
        container(Chart.parse(Chart.template(Chart.RELEASE, "", Map.of("livenessProbe", "null"))));
    assertThat(withoutLiveness.getLivenessProbe()).isNull();
    assertThat(withoutLiveness.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(withoutLiveness.getReadinessProbe().getPeriodSeconds()).isEqualTo(5);

    Container withoutReadiness = container(Chart.render("readinessProbe: null\n"));
    assertThat(withoutReadiness.getReadinessProbe()).isNull();
    assertThat(withoutReadiness.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");

    // Values files merge into the defaults: overriding one timing keeps the others.
    Container tuned = container(Chart.render("livenessProbe: {periodSeconds: 30}\n"));
    assertThat(tuned.getLivenessProbe().getPeriodSeconds()).isEqualTo(30);
    assertThat(tuned.getLivenessProbe().getFailureThreshold()).isEqualTo(6);
  }

  @Test
  void chartReadmeCreatesTheWatchedNamespacesBeforeInstallingWithThem() throws IOException {
    String readme = Files.readString(Chart.dir().resolve("README.md"));
    int install = readme.indexOf("--set 'watchNamespaces={notify-demo,team-b}'");
    assertThat(install).as("the README's watchNamespaces example").isPositive();
    assertThat(readme.substring(0, install))
        .contains("kubectl create namespace notify-demo")
        .contains("kubectl create namespace team-b");
  }

  private static Container container(List<HasMetadata> objects) {
    return Chart.one(objects, Deployment.class)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .get(0);
  }

  private static Map<String, EnvVar> env(Container c) {
    return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  private static Map<String, String> resolvedEnv(Container c) {
    Map<String, String> out = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValueFrom() != null) {
        assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
        out.put(e.getName(), Chart.NAMESPACE);
      } else {
        out.put(e.getName(), e.getValue());
      }
    }
    return out;
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
