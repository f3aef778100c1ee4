package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.dependent.WorkerObjects;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chart's monitoring pack: the worker PodMonitor selects the pods the operator creates, every
 * alert passes promtool's unit tests (firing and not firing), has a runbook and names its pipeline,
 * and the Grafana dashboard is valid JSON with the panels an on-call person needs.
 */
class MonitoringChartTest {

  /** promtool on PATH, else where Debian's prometheus package puts it. */
  static final Path PROMTOOL =
      java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
          .filter(d -> !d.isBlank())
          .map(d -> Path.of(d, "promtool"))
          .filter(Files::isExecutable)
          .findFirst()
          .orElse(Path.of("/usr/bin/promtool"));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void everyPartIsOffByDefault() {
    List<HasMetadata> objects = Chart.render("");
    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .doesNotContain("PodMonitor", "PrometheusRule", "ConfigMap");
  }

  @Test
  void podMonitorSelectsTheWorkerPodsOfEveryPipelineAndLabelsThemWithThePipeline() {
    MonitoringPack pack = MonitoringPack.render();
    JsonNode spec = json(pack.podMonitor()).get("spec");

    // The labels the operator really puts on a worker pod (its own code builds them).
    Map<String, String> podLabels =
        WorkerObjects.labels(Fixtures.pipeline("team-a", "orders", "cache", 2));
    Map<String, String> selector =
        new ObjectMapper().convertValue(spec.get("selector").get("matchLabels"), Map.class);
    assertThat(podLabels).containsAllEntriesOf(selector);
    assertThat(selector).doesNotContainKey("app.kubernetes.io/instance");
    assertThat(spec.get("namespaceSelector").get("any").asBoolean()).isTrue();

    JsonNode endpoint = spec.get("podMetricsEndpoints").get(0);
    assertThat(endpoint.get("port").asText()).isEqualTo("http");
    assertThat(endpoint.get("path").asText()).isEqualTo("/metrics");
    JsonNode relabel = endpoint.get("relabelings").get(0);
    assertThat(relabel.get("sourceLabels").get(0).asText())
        .isEqualTo("__meta_kubernetes_pod_label_app_kubernetes_io_instance");
    assertThat(relabel.get("targetLabel").asText()).isEqualTo("pipeline");
  }

  @Test
  void podMonitorLooksInTheWatchedNamespacesOnly() {
    JsonNode watched =
        json(new MonitoringPack(
                    Chart.render(MonitoringPack.VALUES + "watchNamespaces: [team-a, team-b]\n"))
                .podMonitor())
            .get("spec")
            .get("namespaceSelector");
    assertThat(watched.has("any")).isFalse();
    assertThat(watched.get("matchNames"))
        .extracting(JsonNode::asText)
        .containsExactly("team-a", "team-b");
  }

  @Test
  void operatorServiceMonitorKeepsTheWatchedNamespaceLabel() {
    JsonNode endpoint =
        json((HasMetadata)
                MonitoringPack.render().objects.stream()
                    .filter(o -> "ServiceMonitor".equals(o.getKind()))
                    .findFirst()
                    .orElseThrow())
            .get("spec")
            .get("endpoints")
            .get(0);
    assertThat(endpoint.get("honorLabels").asBoolean()).isTrue();
  }

  @Test
  void rulesNeedTheOperatorScraped() {
    assertThatThrownBy(() -> Chart.template("monitoring: {prometheusRule: {enabled: true}}\n"))
        .hasMessageContaining(
            "monitoring.prometheusRule.enabled needs the operator scraped: set"
                + " metrics.serviceMonitor.enabled=true");
    List<JsonNode> alerts =
        new MonitoringPack(
                Chart.render(
                    "monitoring: {prometheusRule: {enabled: true, operatorJob: my-operator}}\n"))
            .alerts();
    assertThat(alerts)
        .filteredOn(a -> a.get("alert").asText().startsWith("NotificationOperator"))
        .allSatisfy(a -> assertThat(a.get("expr").asText()).contains("job=\"my-operator\""));
  }

  @Test
  void everyAlertIsActionableAndHasARunbookInTheChartReadme() throws IOException {
    String readme = Files.readString(Chart.dir().resolve("README.md"));
    List<JsonNode> alerts = MonitoringPack.render().alerts();
    assertThat(alerts)
        .extracting(a -> a.get("alert").asText())
        .containsExactlyInAnyOrder(
            "NotificationPipelineNotReady",
            "NotificationMessagesDeadLettered",
            "NotificationEmailsFailing",
            "NotificationSesAccountBlocked",
            "NotificationSesQuotaNearlyUsed",
            "NotificationBounceRateHigh",
            "NotificationComplaintRateHigh",
            "NotificationWorkerRestarting",
            "NotificationBacklogGrowing",
            "NotificationOperatorDown",
            "NotificationOperatorNotLeading");
    for (JsonNode alert : alerts) {
      String name = alert.get("alert").asText();
      JsonNode annotations = alert.get("annotations");
      assertThat(annotations.get("summary").asText()).as("%s summary", name).isNotBlank();
      assertThat(alert.get("labels").get("severity").asText())
          .as("%s severity", name)
          .isIn("warning", "critical");
      assertThat(annotations.get("runbook_url").asText())
          .as("%s runbook", name)
          .endsWith("/helm/notification-operator/README.md#" + name.toLowerCase());
      assertThat(readme).as("README runbook heading for %s", name).contains("### " + name + "\n");
      String description = annotations.get("description").asText();
      if (!name.startsWith("NotificationOperator") && !name.equals("NotificationBacklogGrowing")) {
        assertThat(description)
            .as("%s names the namespace", name)
            .contains("{{ $labels.namespace }}");
      }
      if (!name.startsWith("NotificationOperator")
          && !name.equals("NotificationBacklogGrowing")
          && !name.equals("NotificationPipelineNotReady")) {
        assertThat(description)
            .as("%s names the pipeline", name)
            .contains("{{ $labels.pipeline }}");
      }
    }
  }

  @Test
  void rulesPassPromtoolsUnitTestsThatFireAndDoNotFireEachAlert(@TempDir Path dir)
      throws Exception {
    assertThat(Files.isExecutable(PROMTOOL))
        .withFailMessage(
            "promtool not found at %s: run scripts/install-deps.sh (or apt-get install -y"
                + " prometheus)",
            PROMTOOL)
        .isTrue();
    MonitoringPack pack = MonitoringPack.render();
    Files.writeString(dir.resolve("rules.yaml"), YAML.writeValueAsString(pack.ruleGroups()));
    try (InputStream tests = getClass().getResourceAsStream("/chart/alerts-test.yaml")) {
      Files.write(dir.resolve("alerts-test.yaml"), tests.readAllBytes());
    }

    assertThat(promtool(dir, "check", "rules", "rules.yaml")).contains("SUCCESS: 11 rules found");
    assertThat(promtool(dir, "test", "rules", "alerts-test.yaml")).contains("SUCCESS");

    // Each alert has a test that expects it to fire and one that expects silence.
    JsonNode unitTests = YAML.readTree(dir.resolve("alerts-test.yaml").toFile());
    Set<String> fired = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    for (JsonNode test : unitTests.get("tests")) {
      for (JsonNode check : test.get("alert_rule_test")) {
        (check.get("exp_alerts").isEmpty() ? silent : fired).add(check.get("alertname").asText());
      }
    }
    Set<String> alerts =
        pack.alerts().stream()
            .map(a -> a.get("alert").asText())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(fired).as("alerts tested firing").isEqualTo(alerts);
    assertThat(silent).as("alerts tested silent").isEqualTo(alerts);
  }

  @Test
  void dashboardIsValidJsonInAConfigMapGrafanasSidecarPicksUp() {
    MonitoringPack pack = MonitoringPack.render();
    ConfigMap cm = pack.dashboardConfigMap();
    assertThat(cm.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(cm.getData()).containsOnlyKeys("notification-pipelines.json");

    JsonNode dashboard = pack.dashboard();
    assertThat(dashboard.get("uid").asText()).isEqualTo("notification-pipelines");
    assertThat(dashboard.get("title").asText()).isEqualTo("Notification pipelines");
    assertThat(dashboard.get("templating").get("list"))
        .extracting(v -> v.get("name").asText())
        .containsExactly("datasource", "namespace", "pipeline");
    List<String> titles = new ArrayList<>();
    Set<Integer> ids = new TreeSet<>();
    for (JsonNode panel : dashboard.get("panels")) {
      titles.add(panel.get("title").asText());
      assertThat(ids.add(panel.get("id").asInt())).as("unique panel id").isTrue();
      if (!"row".equals(panel.get("type").asText())) {
        assertThat(panel.get("targets")).as("queries of %s", panel.get("title")).isNotEmpty();
        panel
            .get("targets")
            .forEach(
                t ->
                    assertThat(t.get("datasource").get("uid").asText()).isEqualTo("${datasource}"));
      }
    }
    // Per pipeline: what the issue asks the dashboard to show.
    String queries = String.join("\n", pack.dashboardQueries());
    assertThat(queries)
        .contains("sum by (namespace, pipeline, outcome) (rate(notify_worker_messages_total")
        .contains("sum by (namespace, pipeline, result) (rate(notify_worker_emails_total")
        .contains(
            "histogram_quantile(0.99, sum by (namespace, pipeline, le) (rate(notify_worker_email_send_duration_seconds_bucket")
        .contains(
            "notify_worker_cache_requests_total{namespace=~\"$namespace\", pipeline=~\"$pipeline\", result=\"hit\"}")
        .contains("hikaricp_connections_active")
        .contains("notify_worker_ledger_claims_total")
        .contains("notify_operator_resources")
        .contains(
            "sum by (namespace, pipeline) (notify_worker_ses_hard_bounces_24h{namespace=~\"$namespace\", pipeline=~\"$pipeline\"}) / (sum by (namespace, pipeline) (notify_worker_ses_sends_24h")
        .contains("notify_worker_ses_complaints_24h")
        .contains("rate(notify_worker_emails_suppressed_total");
    assertThat(titles)
        .contains(
            "Messages by outcome",
            "Emails sent / failed / retried",
            "Send latency",
            "Cache hit ratio",
            "MySQL pool usage",
            "Delivery ledger claims by outcome",
            "Resources Ready / not Ready (operator)",
            "Bounce and complaint rates (24 h)",
            "Suppressed sends and suppressed addresses");
  }

  @Test
  void metricNamesAreReadFromPromqlNotFromFunctionsOrLabels() {
    assertThat(
            MonitoringPack.metricNames(
                "histogram_quantile(0.95, sum by (namespace, pipeline, le)"
                    + " (rate(notify_worker_email_send_duration_seconds_bucket{pipeline=~\"$p\"}[$__rate_interval])))"
                    + " and on (pod) absent(up{job=\"x\"} == 1) > 1e9"))
        .containsExactlyInAnyOrder("notify_worker_email_send_duration_seconds_bucket", "up");
  }

  private static JsonNode json(HasMetadata object) {
    return new ObjectMapper().valueToTree(object);
  }

  private static String promtool(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(PROMTOOL.toString()));
    command.addAll(List.of(args));
    Process p =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
    assertThat(p.exitValue()).as("promtool %s:%n%s", String.join(" ", args), out).isZero();
    return out;
  }
}
