package io.vibework.notify.operator.chart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The chart's monitoring pack rendered with every part on: the worker PodMonitor, the
 * PrometheusRule and the Grafana dashboard, and the metric names their PromQL reads.
 */
final class MonitoringPack {

  static final String VALUES =
      """
      metrics:
        serviceMonitor: {enabled: true}
      monitoring:
        workerPodMonitor: {enabled: true}
        prometheusRule: {enabled: true, backlog: {enabled: true}}
        grafanaDashboard: {enabled: true}
      """;

  /**
   * Series that come from other exporters, each named with where it comes from; every other name
   * the rules or the dashboard read must be exported by the worker or the operator.
   */
  static final Map<String, String> EXTERNAL_METRICS =
      Map.of(
          "up", "Prometheus itself, one per scrape target",
          "kube_pod_container_status_restarts_total", "kube-state-metrics",
          "stackdriver_pubsub_subscription_pubsub_googleapis_com_subscription_oldest_unacked_message_age",
              "prometheus-community stackdriver-exporter (pubsub.googleapis.com/subscription)",
          "stackdriver_pubsub_subscription_pubsub_googleapis_com_subscription_num_undelivered_messages",
              "prometheus-community stackdriver-exporter (pubsub.googleapis.com/subscription)");

  private static final ObjectMapper JSON = new ObjectMapper();

  // PromQL words that look like metric names but are not.
  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "offset",
          "inf",
          "nan");
  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'[^']*'");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*\\}");
  private static final Pattern GROUPING =
      Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern RANGE = Pattern.compile("\\[[^]]*\\]");
  private static final Pattern IDENTIFIER =
      Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");

  final List<HasMetadata> objects;

  MonitoringPack(List<HasMetadata> objects) {
    this.objects = objects;
  }

  static MonitoringPack render() {
    return new MonitoringPack(Chart.render(VALUES));
  }

  GenericKubernetesResource podMonitor() {
    return (GenericKubernetesResource)
        objects.stream().filter(o -> "PodMonitor".equals(o.getKind())).findFirst().orElseThrow();
  }

  GenericKubernetesResource prometheusRule() {
    return (GenericKubernetesResource)
        objects.stream()
            .filter(o -> "PrometheusRule".equals(o.getKind()))
            .findFirst()
            .orElseThrow();
  }

  /** The PrometheusRule's spec (its rule groups) as JSON, the shape of a Prometheus rule file. */
  JsonNode ruleGroups() {
    return JSON.valueToTree(prometheusRule().getAdditionalProperties().get("spec"));
  }

  List<JsonNode> alerts() {
    List<JsonNode> alerts = new ArrayList<>();
    ruleGroups().get("groups").forEach(g -> g.get("rules").forEach(alerts::add));
    return alerts;
  }

  ConfigMap dashboardConfigMap() {
    return objects.stream()
        .filter(ConfigMap.class::isInstance)
        .map(ConfigMap.class::cast)
        .filter(c -> c.getMetadata().getName().endsWith("-dashboard"))
        .findFirst()
        .orElseThrow();
  }

  JsonNode dashboard() {
    try {
      return JSON.readTree(dashboardConfigMap().getData().get("notification-pipelines.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every PromQL expression of the dashboard: panel targets and template variable queries. */
  List<String> dashboardQueries() {
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard().get("panels")) {
      if (panel.has("targets")) {
        panel.get("targets").forEach(t -> queries.add(t.get("expr").asText()));
      }
    }
    for (JsonNode variable : dashboard().get("templating").get("list")) {
      if ("query".equals(variable.get("type").asText())) {
        queries.add(
            variable
                .get("definition")
                .asText()
                .replaceFirst("^label_values\\((.*),\\s*\\w+\\)$", "$1"));
      }
    }
    return queries;
  }

  List<String> ruleQueries() {
    return alerts().stream().map(a -> a.get("expr").asText()).toList();
  }

  /** Metric names read by the rules and the dashboard. */
  Set<String> metricNames() {
    Set<String> names = new TreeSet<>();
    ruleQueries().forEach(q -> names.addAll(metricNames(q)));
    dashboardQueries().forEach(q -> names.addAll(metricNames(q)));
    return names;
  }

  /**
   * The metric names in one PromQL expression: identifiers that are neither functions (followed by
   * a parenthesis), keywords, label names (inside braces or grouping clauses) nor Grafana
   * variables.
   */
  static Set<String> metricNames(String promql) {
    String q = STRING.matcher(promql).replaceAll("\"\"");
    q = MATCHERS.matcher(q).replaceAll(" ");
    q = GROUPING.matcher(q).replaceAll(" ");
    q = RANGE.matcher(q).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(q);
    while (m.find()) {
      boolean call = m.group(2) != null;
      if (!call && !KEYWORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
