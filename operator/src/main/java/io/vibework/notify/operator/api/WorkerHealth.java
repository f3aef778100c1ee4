package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;

/**
 * What the worker pods' /readyz said, each pod probed directly. {@code checkedAt} is the time of
 * the probe that first saw this result: re-stamping it on every identical probe would make a quiet
 * cluster write status forever.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerHealth(
    @JsonPropertyDescription(
            "ready when every pod answered ready; not_ready when a pod reports a failing check or"
                + " did not answer; unreachable when no pod answered.")
        String status,
    @JsonPropertyDescription(
            "Each dependency check the workers run: ok on every pod, or the failing value and how"
                + " many pods report it, e.g. cache: error (3/3 pods).")
        Map<String, String> checks,
    @JsonPropertyDescription("When this result was first observed (RFC 3339).") String checkedAt,
    @JsonPropertyDescription("Why pods did not answer, when some did not.") String message,
    @JsonPropertyDescription("Worker pods probed (pods with an IP, not terminating).") Integer pods,
    @JsonPropertyDescription("Pods whose /readyz answered not_ready.") Integer notReadyPods,
    @JsonPropertyDescription("Pods whose /readyz did not answer.") Integer unreachablePods) {

  public static final String READY = "ready";
  public static final String NOT_READY = "not_ready";
  public static final String UNREACHABLE = "unreachable";

  @JsonIgnore
  public boolean isReady() {
    return READY.equals(status);
  }

  /** Every probed pod reports a failing dependency: the problem is shared, not one pod's. */
  @JsonIgnore
  public boolean failingOnEveryPod() {
    return pods != null && pods > 0 && Objects.equals(notReadyPods, pods);
  }

  /** Some pod reports a check that is not ok. */
  @JsonIgnore
  public boolean hasFailingCheck() {
    return notReadyPods != null && notReadyPods > 0;
  }

  /** Same result regardless of when it was observed. */
  public boolean sameResultAs(WorkerHealth other) {
    return other != null
        && Objects.equals(status, other.status)
        && Objects.equals(checks, other.checks)
        && Objects.equals(message, other.message)
        && Objects.equals(pods, other.pods)
        && Objects.equals(notReadyPods, other.notReadyPods)
        && Objects.equals(unreachablePods, other.unreachablePods);
  }
}
