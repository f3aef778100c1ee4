package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;

/**
 * What the workers' /readyz said. {@code checkedAt} is the time of the probe that first saw this
 * result: re-stamping it on every identical probe would make a quiet cluster write status forever.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record WorkerHealth(
    @JsonPropertyDescription("ready, not_ready, or unreachable when /readyz did not answer.")
        String status,
    @JsonPropertyDescription(
            "Each dependency check the workers run, e.g. cache: ok, database: error.")
        Map<String, String> checks,
    @JsonPropertyDescription("When this result was first observed (RFC 3339).") String checkedAt,
    @JsonPropertyDescription("Why the probe failed, when it did.") String message) {

  public static final String READY = "ready";
  public static final String NOT_READY = "not_ready";
  public static final String UNREACHABLE = "unreachable";

  @com.fasterxml.jackson.annotation.JsonIgnore
  public boolean isReady() {
    return READY.equals(status);
  }

  /** Same result regardless of when it was observed. */
  public boolean sameResultAs(WorkerHealth other) {
    return other != null
        && java.util.Objects.equals(status, other.status)
        && java.util.Objects.equals(checks, other.checks)
        && java.util.Objects.equals(message, other.message);
  }
}
