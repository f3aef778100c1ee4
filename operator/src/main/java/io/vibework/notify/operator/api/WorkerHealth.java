package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Map;
import java.util.Objects;

/**
 * What the workers' /readyz said. {@code checkedAt} is the time of the probe that first saw this
 * result: re-stamping it on every identical probe would make a quiet cluster write status forever.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
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

  @JsonIgnore
  public boolean isReady() {
    return READY.equals(status);
  }

  /** Same result regardless of when it was observed. */
  public boolean sameResultAs(WorkerHealth other) {
    return other != null
        && Objects.equals(status, other.status)
        && Objects.equals(checks, other.checks)
        && Objects.equals(message, other.message);
  }
}
