package io.vibework.notify.operator.dependent;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.DiffFlags;
import io.fabric8.zjsonpatch.JsonDiff;
import io.javaoperatorsdk.operator.processing.dependent.Matcher;
import java.util.EnumSet;
import java.util.Map;

/**
 * Does the cluster's object hold everything the operator wants? Its spec may only add to the
 * desired one (what the API server defaults), and the desired labels and annotations must be there
 * with the same values (others may add more).
 *
 * <p>JOSDK's generic matcher asks the same, but diffs with zjsonpatch's default flags, which turn
 * an added value that happens to equal one elsewhere into a "copy" (a defaulted {@code
 * revisionHistoryLimit: 10} "copied" from a probe's {@code initialDelaySeconds: 10}), and then
 * counts that as a change: every reconcile rewrote the Deployment. Copies and moves are switched
 * off here, so a defaulted field is always an "add".
 */
public final class AddOnlyMatcher {

  private static final EnumSet<DiffFlags> PLAIN_OPERATIONS =
      EnumSet.of(DiffFlags.OMIT_COPY_OPERATION, DiffFlags.OMIT_MOVE_OPERATION);

  private AddOnlyMatcher() {}

  public static <R extends HasMetadata> Matcher.Result<R> match(
      R desired, R actual, KubernetesSerialization serialization) {
    return Matcher.Result.computed(matches(desired, actual, serialization), desired);
  }

  static boolean matches(HasMetadata desired, HasMetadata actual, KubernetesSerialization json) {
    if (!contains(actual.getMetadata().getLabels(), desired.getMetadata().getLabels())
        || !contains(
            actual.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations())) {
      return false;
    }
    JsonNode wanted = spec(desired, json);
    JsonNode found = spec(actual, json);
    for (JsonNode op : JsonDiff.asJson(wanted, found, PLAIN_OPERATIONS)) {
      if (!"add".equals(op.path("op").asText())) {
        return false;
      }
    }
    return true;
  }

  /**
   * The spec alone as JSON: converting the whole object (status, metadata) as well was most of the
   * operator's matching CPU (JFR of make bench-operator).
   */
  private static JsonNode spec(HasMetadata resource, KubernetesSerialization json) {
    Object spec =
        switch (resource) {
          case Deployment d -> d.getSpec();
          case Service s -> s.getSpec();
          case PodDisruptionBudget b -> b.getSpec();
          default -> null;
        };
    if (spec == null) {
      return json.convertValue(resource, JsonNode.class).path("spec");
    }
    return json.convertValue(spec, JsonNode.class);
  }

  private static boolean contains(Map<String, String> actual, Map<String, String> desired) {
    if (desired == null || desired.isEmpty()) {
      return true;
    }
    return actual != null && actual.entrySet().containsAll(desired.entrySet());
  }
}
