package io.vibework.notify.operator.chart;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.testkit.kube.AuditEvent;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The operator's identity as {@code helm template} renders it, installed on a real API server: its
 * ServiceAccount, every Role, ClusterRole and binding of the chart, and the environment its
 * Deployment gives the container. Tests then run the operator in-process with that ServiceAccount's
 * token, so the API server's RBAC decides every call exactly as in a cluster.
 */
final class ChartInstall {

  private final KubeControlPlane kube;
  private final List<HasMetadata> objects;
  private final ServiceAccount serviceAccount;

  private ChartInstall(KubeControlPlane kube, List<HasMetadata> objects) {
    this.kube = kube;
    this.objects = objects;
    this.serviceAccount = Chart.one(objects, ServiceAccount.class);
  }

  /** Renders the chart with the values and applies its RBAC (namespaces are created first). */
  static ChartInstall apply(KubeControlPlane kube, String valuesYaml) {
    return apply(kube, valuesYaml, rule -> true);
  }

  /**
   * As {@link #apply(KubeControlPlane, String)}, keeping only the rules (of every rendered Role and
   * ClusterRole) that {@code keep} accepts: a test removes one permission to see the operator fail.
   */
  static ChartInstall apply(KubeControlPlane kube, String valuesYaml, Predicate<Rule> keep) {
    return apply(kube, Chart.RELEASE, valuesYaml, keep);
  }

  /** A release of its own name, so its ServiceAccount has only this rendering's grants. */
  static ChartInstall apply(
      KubeControlPlane kube, String release, String valuesYaml, Predicate<Rule> keep) {
    List<HasMetadata> objects = Chart.parse(Chart.template(release, valuesYaml, Map.of()));
    KubernetesClient admin = kube.adminClient();
    List<String> namespaces = new ArrayList<>();
    namespaces.add(Chart.NAMESPACE);
    objects.stream()
        .filter(o -> o instanceof Role || o instanceof RoleBinding)
        .map(o -> o.getMetadata().getNamespace())
        .forEach(namespaces::add);
    for (String ns : namespaces.stream().distinct().toList()) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .createOr(NonDeletingOperation::update);
    }
    for (HasMetadata o : objects) {
      if (o instanceof ClusterRole role) {
        role.setRules(kept(role.getMetadata().getName(), role.getRules(), keep));
      } else if (o instanceof Role role) {
        role.setRules(kept(role.getMetadata().getName(), role.getRules(), keep));
      }
      if (o instanceof ServiceAccount
          || o instanceof ClusterRole
          || o instanceof ClusterRoleBinding
          || o instanceof Role
          || o instanceof RoleBinding) {
        admin.resource(o).createOr(NonDeletingOperation::update);
      }
    }
    return new ChartInstall(kube, objects);
  }

  /** One verb on one resource of one rendered rule, as a test names the permission it removes. */
  record Rule(String role, String apiGroup, String resource, String verb) {}

  private static List<PolicyRule> kept(String role, List<PolicyRule> rules, Predicate<Rule> keep) {
    List<PolicyRule> out = new ArrayList<>();
    for (PolicyRule rule : rules) {
      // Split a rule only where something is removed: the rest stays as the chart wrote it.
      List<String> verbs = new ArrayList<>();
      for (String verb : rule.getVerbs()) {
        boolean allKept = true;
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            allKept &= keep.test(new Rule(role, group, resource, verb));
          }
        }
        if (allKept) {
          verbs.add(verb);
        }
      }
      if (!verbs.isEmpty()) {
        PolicyRule copy = Chart.SERIALIZATION.clone(rule);
        copy.setVerbs(verbs);
        out.add(copy);
      }
    }
    return out;
  }

  /** Who the API server's audit log names for the operator's calls. */
  String user() {
    return "system:serviceaccount:"
        + serviceAccount.getMetadata().getNamespace()
        + ":"
        + serviceAccount.getMetadata().getName();
  }

  /** A client that authenticates as the chart's ServiceAccount, with a fresh bound token. */
  KubernetesClient operatorClient() {
    return kube.clientFor(
        kube.serviceAccountToken(
            serviceAccount.getMetadata().getNamespace(), serviceAccount.getMetadata().getName()));
  }

  /**
   * The operator's configuration from the environment the chart's Deployment sets (downward-API
   * fields resolved as the kubelet would), with test overrides such as a free HTTP port.
   */
  OperatorConfig config(Map<String, String> overrides) {
    Deployment deployment = Chart.one(objects, Deployment.class);
    String namespace =
        deployment.getMetadata().getNamespace() == null
            ? Chart.NAMESPACE
            : deployment.getMetadata().getNamespace();
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
      if (e.getValue() != null) {
        env.put(e.getName(), e.getValue());
      } else if (e.getValueFrom() != null
          && e.getValueFrom().getFieldRef() != null
          && "metadata.namespace".equals(e.getValueFrom().getFieldRef().getFieldPath())) {
        env.put(e.getName(), namespace);
      }
    }
    env.putAll(overrides);
    return OperatorConfig.fromEnv(env);
  }

  /** The operator's calls the API server refused, from its audit log. */
  List<AuditEvent> forbidden() {
    String user = user();
    return kube.auditEvents(e -> user.equals(e.user()) && e.forbidden());
  }

  /**
   * The operator's writes (create, update, patch, delete) the API server saw, from its audit log.
   */
  List<AuditEvent> writes() {
    String user = user();
    return kube.auditEvents(e -> user.equals(e.user()) && e.isWrite());
  }
}
