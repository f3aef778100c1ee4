package io.vibework.notify.operator.chart;

import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The single declared list of what the operator does against the API server. The chart's RBAC must
 * grant exactly this (RbacChartTest) and the operator, run against a mock API server, must make
 * exactly the requests in it (OperatorRequestsRbacTest). Where each comes from in the code:
 */
final class OperatorPermissions {

  /** One RBAC grant: API group ("" is core), resource (with "/subresource"), verb. */
  record Permission(String group, String resource, String verb) implements Comparable<Permission> {
    @Override
    public int compareTo(Permission o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return (group.isEmpty() ? "core" : group) + "/" + resource + ":" + verb;
    }
  }

  static final String GROUP = "infra.vibework.io";

  /** Requests the operator makes in every namespace it watches. */
  static final Set<Permission> REQUESTED_IN_WATCHED_NAMESPACES =
      Set.of(
          // JOSDK informers of both controllers (NotificationPipelineReconciler,
          // CacheConfigReconciler,
          // and the pipeline controller's CacheConfig informer): list + watch. No get: reads hit
          // the caches.
          p(GROUP, "notificationpipelines", "list"),
          p(GROUP, "notificationpipelines", "watch"),
          p(GROUP, "cacheconfigs", "list"),
          p(GROUP, "cacheconfigs", "watch"),
          // UpdateControl.patchStatus / ErrorStatusUpdateControl.patchStatus with SSA off: a JSON
          // patch
          // of the status subresource. No Cleaner, so no finalizer; spec and metadata are never
          // written.
          p(GROUP, "notificationpipelines/status", "patch"),
          p(GROUP, "cacheconfigs/status", "patch"),
          // PubSubCleanupReconciler: the Pub/Sub clean-up finalizer, added and removed with a JSON
          // patch, only on pipelines with spec.pubsub.deletionPolicy: Delete.
          p(GROUP, "notificationpipelines", "patch"),
          // CRUDKubernetesDependentResource for Deployment, ConfigMap, Service (informer with the
          // managed-by label selector: list + watch; create; update = PUT because SSA is off).
          // Nothing
          // deletes them but the garbage collector (owner references).
          p("apps", "deployments", "list"),
          p("apps", "deployments", "watch"),
          p("apps", "deployments", "create"),
          p("apps", "deployments", "update"),
          p("", "configmaps", "list"),
          p("", "configmaps", "watch"),
          p("", "configmaps", "create"),
          p("", "configmaps", "update"),
          p("", "services", "list"),
          p("", "services", "watch"),
          p("", "services", "create"),
          p("", "services", "update"),
          // PodDisruptionBudgetDependent: the same, plus delete when NeedsDisruptionBudget turns
          // false.
          p("policy", "poddisruptionbudgets", "list"),
          p("policy", "poddisruptionbudgets", "watch"),
          p("policy", "poddisruptionbudgets", "create"),
          p("policy", "poddisruptionbudgets", "update"),
          p("policy", "poddisruptionbudgets", "delete"),
          // The pipeline controller's pod informer (managed-by label): WorkerHealthProber probes
          // each worker pod's IP.
          p("", "pods", "list"),
          p("", "pods", "watch"),
          // The pipeline controller's Secret informer (list + watch; it keeps only digests,
          // DigestingSecretStore); CacheConfigReconciler.password() GETs the one password Secret
          // per check.
          p("", "secrets", "list"),
          p("", "secrets", "watch"),
          p("", "secrets", "get"),
          // EventRecorder: client.v1().events()...create().
          p("", "events", "create"),
          // KedaAutoscaler (spec.autoscaling): GET each object, create when missing, update (PUT)
          // when it drifted, delete when autoscaling is turned off. No informer: a cluster without
          // KEDA must not stop the operator. KEDA's presence comes from discovery (no RBAC).
          p("keda.sh", "scaledobjects", "get"),
          p("keda.sh", "scaledobjects", "create"),
          p("keda.sh", "scaledobjects", "update"),
          p("keda.sh", "scaledobjects", "delete"),
          p("keda.sh", "triggerauthentications", "get"),
          p("keda.sh", "triggerauthentications", "create"),
          p("keda.sh", "triggerauthentications", "update"),
          p("keda.sh", "triggerauthentications", "delete"));

  /**
   * Not a request the operator sends, but a check the API server makes on its requests: with the
   * OwnerReferencesPermissionEnforcement admission plugin (OpenShift enables it), creating an
   * object whose owner reference has blockOwnerDeletion=true (WorkerObjects.ownerReference) needs
   * update on the owner's finalizers subresource.
   */
  static final Set<Permission> ADMISSION_IN_WATCHED_NAMESPACES =
      Set.of(p(GROUP, "notificationpipelines/finalizers", "update"));

  /** What the chart grants in each watched namespace (or cluster-wide): the two sets above. */
  static final Set<Permission> WATCHED_NAMESPACES =
      Stream.concat(
              REQUESTED_IN_WATCHED_NAMESPACES.stream(), ADMISSION_IN_WATCHED_NAMESPACES.stream())
          .collect(Collectors.toUnmodifiableSet());

  /**
   * Leader election in the Lease namespace, as fabric8 7.5's LeaseLock (driven by JOSDK's
   * LeaderElectionManager) does it: GET the Lease, CREATE it when missing, PATCH it to renew, take
   * over or release.
   */
  static final Set<Permission> REQUESTED_IN_LEASE_NAMESPACE =
      Set.of(
          p("coordination.k8s.io", "leases", "get"),
          p("coordination.k8s.io", "leases", "create"),
          p("coordination.k8s.io", "leases", "patch"));

  /**
   * Never sent, but JOSDK 5.2's start-up check (a SelfSubjectRulesReview) refuses to start leader
   * election unless the rules grant get, create and update on the Lease.
   */
  static final Set<Permission> CHECKED_IN_LEASE_NAMESPACE =
      Set.of(p("coordination.k8s.io", "leases", "update"));

  /** What the chart grants in the Lease namespace: the two sets above. */
  static final Set<Permission> LEASE_NAMESPACE =
      Stream.concat(REQUESTED_IN_LEASE_NAMESPACE.stream(), CHECKED_IN_LEASE_NAMESPACE.stream())
          .collect(Collectors.toUnmodifiableSet());

  /** Lease verbs that the chart limits to the one Lease by resourceNames (create cannot be). */
  static final Set<String> LEASE_VERBS_BY_NAME = Set.of("get", "update", "patch");

  private OperatorPermissions() {}

  static Permission p(String group, String resource, String verb) {
    return new Permission(group, resource, verb);
  }
}
