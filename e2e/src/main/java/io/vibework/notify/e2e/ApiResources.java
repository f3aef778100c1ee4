package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the local API serves: a fixed set of built-in kinds (the ones the operator, its chart and
 * the examples use, plus what people commonly type) and every CRD stored in it. Built from the
 * stored CRDs on each discovery request, so a kind becomes discoverable as soon as its CRD is
 * applied, as on a real cluster.
 */
final class ApiResources {

  /** One resource as discovery describes it. {@code group} is "" for the core group. */
  record Resource(
      String group,
      String version,
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      List<String> categories,
      boolean statusSubresource,
      boolean scaleSubresource,
      JsonNode printerColumns) {

    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  static final List<Resource> BUILTIN =
      List.of(
          core("namespaces", "namespace", "Namespace", false, List.of("ns"), true),
          core("pods", "pod", "Pod", true, List.of("po"), true),
          core("services", "service", "Service", true, List.of("svc"), true),
          core("endpoints", "endpoints", "Endpoints", true, List.of("ep"), false),
          core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), false),
          core("secrets", "secret", "Secret", true, List.of(), false),
          core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), false),
          core("events", "event", "Event", true, List.of("ev"), false),
          core(
              "persistentvolumeclaims",
              "persistentvolumeclaim",
              "PersistentVolumeClaim",
              true,
              List.of("pvc"),
              true),
          new Resource(
              "apps",
              "v1",
              "deployments",
              "deployment",
              "Deployment",
              true,
              List.of("deploy"),
              List.of("all"),
              true,
              true,
              null),
          new Resource(
              "apps",
              "v1",
              "replicasets",
              "replicaset",
              "ReplicaSet",
              true,
              List.of("rs"),
              List.of("all"),
              true,
              true,
              null),
          new Resource(
              "apps",
              "v1",
              "statefulsets",
              "statefulset",
              "StatefulSet",
              true,
              List.of("sts"),
              List.of("all"),
              true,
              true,
              null),
          new Resource(
              "apps",
              "v1",
              "daemonsets",
              "daemonset",
              "DaemonSet",
              true,
              List.of("ds"),
              List.of("all"),
              true,
              false,
              null),
          new Resource(
              "policy",
              "v1",
              "poddisruptionbudgets",
              "poddisruptionbudget",
              "PodDisruptionBudget",
              true,
              List.of("pdb"),
              List.of(),
              true,
              false,
              null),
          new Resource(
              "coordination.k8s.io",
              "v1",
              "leases",
              "lease",
              "Lease",
              true,
              List.of(),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "events.k8s.io",
              "v1",
              "events",
              "event",
              "Event",
              true,
              List.of("ev"),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "rbac.authorization.k8s.io",
              "v1",
              "roles",
              "role",
              "Role",
              true,
              List.of(),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "rbac.authorization.k8s.io",
              "v1",
              "rolebindings",
              "rolebinding",
              "RoleBinding",
              true,
              List.of(),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "rbac.authorization.k8s.io",
              "v1",
              "clusterroles",
              "clusterrole",
              "ClusterRole",
              false,
              List.of(),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "rbac.authorization.k8s.io",
              "v1",
              "clusterrolebindings",
              "clusterrolebinding",
              "ClusterRoleBinding",
              false,
              List.of(),
              List.of(),
              false,
              false,
              null),
          new Resource(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "customresourcedefinition",
              "CustomResourceDefinition",
              false,
              List.of("crd", "crds"),
              List.of(),
              true,
              false,
              null));

  private static Resource core(
      String plural,
      String singular,
      String kind,
      boolean namespaced,
      List<String> shortNames,
      boolean status) {
    return new Resource(
        "", "v1", plural, singular, kind, namespaced, shortNames, List.of(), status, false, null);
  }

  private ApiResources() {}

  /** Built-ins plus one entry per served version of each stored CRD. */
  static List<Resource> all(JsonNode crdList) {
    List<Resource> all = new ArrayList<>(BUILTIN);
    for (JsonNode crd : crdList.path("items")) {
      JsonNode spec = crd.path("spec");
      JsonNode names = spec.path("names");
      for (JsonNode version : spec.path("versions")) {
        if (!version.path("served").asBoolean(true)) {
          continue;
        }
        all.add(
            new Resource(
                spec.path("group").asText(),
                version.path("name").asText(),
                names.path("plural").asText(),
                names.path("singular").asText(names.path("kind").asText().toLowerCase()),
                names.path("kind").asText(),
                !"Cluster".equals(spec.path("scope").asText()),
                strings(names.path("shortNames")),
                strings(names.path("categories")),
                version.path("subresources").has("status"),
                version.path("subresources").has("scale"),
                version.path("additionalPrinterColumns")));
      }
    }
    return all;
  }

  /** group -> versions in order of appearance (core group excluded). */
  static Map<String, List<String>> groups(List<Resource> resources) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (Resource r : resources) {
      if (!r.group().isEmpty()) {
        List<String> versions = groups.computeIfAbsent(r.group(), g -> new ArrayList<>());
        if (!versions.contains(r.version())) {
          versions.add(r.version());
        }
      }
    }
    return groups;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
