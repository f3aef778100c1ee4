package io.vibework.notify.operator.chart;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.vibework.notify.operator.chart.OperatorPermissions.Permission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart grants the operator exactly what OperatorPermissions declares (which
 * OperatorRequestsRbacTest checks against the operator's real requests): every permission, and
 * nothing more, in both the cluster-wide and the per-namespace mode.
 */
class RbacChartTest {

  private static final String LEASE_NAME = "notification-operator-lock";

  @Test
  void clusterWideModeGrantsExactlyTheOperatorsPermissionsPlusTheLease() {
    List<HasMetadata> objects = Chart.render("");
    Rbac rbac = new Rbac(objects, Chart.RELEASE, Chart.NAMESPACE);

    assertThat(rbac.byScope()).containsOnlyKeys("*", Chart.NAMESPACE);
    assertThat(rbac.byScope().get("*"))
        .as("ClusterRole")
        .containsExactlyInAnyOrderElementsOf(sorted(OperatorPermissions.WATCHED_NAMESPACES));
    assertThat(rbac.byScope().get(Chart.NAMESPACE))
        .as("leader-election Role in the release namespace")
        .containsExactlyInAnyOrderElementsOf(sorted(OperatorPermissions.LEASE_NAMESPACE));
    assertLeaseGrantsAreNamed(rbac, Chart.NAMESPACE);
    assertThat(Chart.all(objects, ClusterRole.class)).hasSize(1);
    assertThat(Chart.all(objects, ClusterRoleBinding.class))
        .singleElement()
        .satisfies(b -> assertThat(b.getRoleRef().getName()).isEqualTo(Chart.RELEASE));
  }

  @Test
  void
      perNamespaceModeGrantsExactlyTheOperatorsPermissionsInEachWatchedNamespaceAndNothingClusterWide() {
    List<HasMetadata> objects = Chart.render("watchNamespaces: [notify-demo, team-b]\n");
    Rbac rbac = new Rbac(objects, Chart.RELEASE, Chart.NAMESPACE);

    assertThat(Chart.all(objects, ClusterRole.class)).isEmpty();
    assertThat(Chart.all(objects, ClusterRoleBinding.class)).isEmpty();
    assertThat(rbac.byScope()).containsOnlyKeys("notify-demo", "team-b", Chart.NAMESPACE);
    for (String ns : List.of("notify-demo", "team-b")) {
      assertThat(rbac.byScope().get(ns))
          .as("Role in %s", ns)
          .containsExactlyInAnyOrderElementsOf(sorted(OperatorPermissions.WATCHED_NAMESPACES));
    }
    assertThat(rbac.byScope().get(Chart.NAMESPACE))
        .containsExactlyInAnyOrderElementsOf(sorted(OperatorPermissions.LEASE_NAMESPACE));
    assertLeaseGrantsAreNamed(rbac, Chart.NAMESPACE);
  }

  @Test
  void watchingTheReleaseNamespaceToo() {
    Rbac rbac =
        new Rbac(
            Chart.render("watchNamespaces: [" + Chart.NAMESPACE + "]\n"),
            Chart.RELEASE,
            Chart.NAMESPACE);
    Set<Permission> expected = new TreeSet<>(OperatorPermissions.WATCHED_NAMESPACES);
    expected.addAll(OperatorPermissions.LEASE_NAMESPACE);
    assertThat(rbac.byScope()).containsOnlyKeys(Chart.NAMESPACE);
    assertThat(rbac.byScope().get(Chart.NAMESPACE)).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void leaseRoleFollowsTheLeaseNamespaceAndNameAndGoesAwayWithoutLeaderElection() {
    Rbac rbac =
        new Rbac(
            Chart.render("leaderElection: {namespace: locks, leaseName: my-lock}\n"),
            Chart.RELEASE,
            Chart.NAMESPACE);
    assertThat(rbac.byScope()).containsOnlyKeys("*", "locks");
    assertThat(
            rbac.allows(
                "locks",
                OperatorPermissions.p("coordination.k8s.io", "leases", "patch"),
                "my-lock"))
        .isTrue();
    assertThat(
            rbac.allows(
                "locks",
                OperatorPermissions.p("coordination.k8s.io", "leases", "patch"),
                LEASE_NAME))
        .isFalse();

    List<HasMetadata> noElection = Chart.render("leaderElection: {enabled: false}\n");
    assertThat(new Rbac(noElection, Chart.RELEASE, Chart.NAMESPACE).byScope())
        .containsOnlyKeys("*");
    assertThat(Chart.all(noElection, Role.class)).isEmpty();
  }

  @Test
  void rbacCanBeLeftToTheUserAndTheServiceAccountNamed() {
    List<HasMetadata> objects =
        Chart.render("rbac: {create: false}\nserviceAccount: {create: false, name: ops}\n");
    assertThat(objects).noneMatch(o -> o.getApiVersion().startsWith("rbac.authorization.k8s.io/"));
    assertThat(objects).noneMatch(o -> o.getKind().equals("ServiceAccount"));
    assertThat(
            Chart.one(objects, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getServiceAccountName())
        .isEqualTo("ops");
  }

  @Test
  void bindingsBindOnlyTheOperatorsServiceAccount() {
    List<HasMetadata> objects = Chart.render("watchNamespaces: [notify-demo]\n");
    for (RoleBinding b : Chart.all(objects, RoleBinding.class)) {
      assertThat(b.getSubjects())
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.getKind()).isEqualTo("ServiceAccount");
                assertThat(s.getName()).isEqualTo(Chart.RELEASE);
                assertThat(s.getNamespace()).isEqualTo(Chart.NAMESPACE);
              });
    }
  }

  private static void assertLeaseGrantsAreNamed(Rbac rbac, String ns) {
    Map<String, Set<String>> namesByVerb =
        rbac.grants().stream()
            .filter(g -> ns.equals(g.namespace()) && g.permission().resource().equals("leases"))
            .collect(Collectors.toMap(g -> g.permission().verb(), Rbac.Grant::resourceNames));
    namesByVerb.forEach(
        (verb, names) -> {
          if (OperatorPermissions.LEASE_VERBS_BY_NAME.contains(verb)) {
            assertThat(names).as("resourceNames of leases:%s", verb).containsExactly(LEASE_NAME);
          } else {
            assertThat(names)
                .as("resourceNames of leases:%s (create cannot be limited by name)", verb)
                .isEmpty();
          }
        });
  }

  private static Set<Permission> sorted(Set<Permission> permissions) {
    return new TreeSet<>(permissions);
  }
}
