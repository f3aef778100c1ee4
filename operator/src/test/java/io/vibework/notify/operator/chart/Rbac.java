package io.vibework.notify.operator.chart;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.vibework.notify.operator.chart.OperatorPermissions.Permission;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** The rendered chart's RBAC, as the grants its ServiceAccount ends up with. */
final class Rbac {

  /** One flattened grant; namespace null means cluster-wide; resourceNames empty means any name. */
  record Grant(String namespace, Permission permission, Set<String> resourceNames) {}

  private final List<Grant> grants = new ArrayList<>();

  Rbac(List<HasMetadata> objects, String serviceAccount, String serviceAccountNamespace) {
    for (ClusterRoleBinding binding : Chart.all(objects, ClusterRoleBinding.class)) {
      if (!binds(binding.getSubjects(), serviceAccount, serviceAccountNamespace)) {
        continue;
      }
      if (!"ClusterRole".equals(binding.getRoleRef().getKind())) {
        throw new AssertionError(
            "a ClusterRoleBinding must refer to a ClusterRole: " + binding.getMetadata().getName());
      }
      ClusterRole role =
          Chart.all(objects, ClusterRole.class).stream()
              .filter(r -> r.getMetadata().getName().equals(binding.getRoleRef().getName()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "ClusterRole " + binding.getRoleRef().getName() + " is not rendered"));
      add(null, role.getRules());
    }
    for (RoleBinding binding : Chart.all(objects, RoleBinding.class)) {
      if (!binds(binding.getSubjects(), serviceAccount, serviceAccountNamespace)) {
        continue;
      }
      String ns = binding.getMetadata().getNamespace();
      if (!"Role".equals(binding.getRoleRef().getKind())) {
        throw new AssertionError(
            "the chart binds Roles only, never a ClusterRole per namespace: "
                + binding.getMetadata().getName());
      }
      Role role =
          Chart.all(objects, Role.class).stream()
              .filter(
                  r ->
                      r.getMetadata().getName().equals(binding.getRoleRef().getName())
                          && ns.equals(r.getMetadata().getNamespace()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "Role "
                              + ns
                              + "/"
                              + binding.getRoleRef().getName()
                              + " is not rendered"));
      add(ns, role.getRules());
    }
  }

  private static boolean binds(List<Subject> subjects, String name, String namespace) {
    return subjects != null
        && subjects.stream()
            .anyMatch(
                s ->
                    "ServiceAccount".equals(s.getKind())
                        && name.equals(s.getName())
                        && namespace.equals(s.getNamespace()));
  }

  private void add(String namespace, List<PolicyRule> rules) {
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            if (group.equals("*") || resource.equals("*") || verb.equals("*")) {
              throw new AssertionError("wildcards are not least privilege: " + rule);
            }
            Set<String> names =
                rule.getResourceNames() == null ? Set.of() : Set.copyOf(rule.getResourceNames());
            grants.add(new Grant(namespace, OperatorPermissions.p(group, resource, verb), names));
          }
        }
      }
    }
  }

  List<Grant> grants() {
    return grants;
  }

  /** Permissions granted per scope ("*" for cluster-wide, else the namespace), names ignored. */
  Map<String, Set<Permission>> byScope() {
    Map<String, Set<Permission>> out = new TreeMap<>();
    for (Grant g : grants) {
      out.computeIfAbsent(g.namespace() == null ? "*" : g.namespace(), k -> new TreeSet<>())
          .add(g.permission());
    }
    return out;
  }

  /**
   * Whether a request (namespace null for a cluster-scoped or all-namespaces request) is allowed.
   */
  boolean allows(String namespace, Permission permission, String name) {
    return grants.stream()
        .anyMatch(
            g ->
                g.permission().equals(permission)
                    && (g.namespace() == null || g.namespace().equals(namespace))
                    && (g.resourceNames().isEmpty()
                        || (name != null && g.resourceNames().contains(name))));
  }
}
