package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The optional reputation guard: the workers stop sending while their 24-hour hard-bounce or
 * complaint rate is at its limit, below the rates at which SES pauses the whole account.
 */
@ValidationRule(
    value = "self.maxBounceRate > 0.0 && self.maxBounceRate < 0.1",
    message =
        "reputationGuard.maxBounceRate must be above 0 and below 0.1, where SES pauses the"
            + " account (SES reviews it at 0.05)")
@ValidationRule(
    value = "self.maxComplaintRate > 0.0 && self.maxComplaintRate < 0.005",
    message =
        "reputationGuard.maxComplaintRate must be above 0 and below 0.005, where SES pauses the"
            + " account (SES reviews it at 0.001)")
public record ReputationGuardSpec(
    @Default("false")
        @JsonPropertyDescription(
            "Stop sending (held, nothing failed, as for an SES account error) while a limit is"
                + " reached: Ready=False, reason ReputationGuard. Lifted when the rate falls"
                + " under the limit, or by the annotation"
                + " infra.vibework.io/reputation-guard-lifted-at, which rolls the workers with"
                + " fresh counts. Needs feedback.")
        Boolean enabled,
    @Default("" + DEFAULT_MAX_BOUNCE_RATE)
        @JsonPropertyDescription(
            "Hard bounces over sends in 24 hours at which sending stops (SES pauses at 0.10).")
        Double maxBounceRate,
    @Default("" + DEFAULT_MAX_COMPLAINT_RATE)
        @JsonPropertyDescription(
            "Complaints over sends in 24 hours at which sending stops (SES pauses at 0.005).")
        Double maxComplaintRate,
    @Default("" + DEFAULT_MIN_SENDS)
        @Min(1)
        @JsonPropertyDescription(
            "Emails a worker must have sent in 24 hours before its rates count: a few bounces"
                + " of a handful of emails say little.")
        Integer minSends) {

  public static final double DEFAULT_MAX_BOUNCE_RATE = 0.08;
  public static final double DEFAULT_MAX_COMPLAINT_RATE = 0.004;
  public static final int DEFAULT_MIN_SENDS = 200;

  /** Set it (to the time, say) to lift a guard that holds sending: the workers roll. */
  public static final String LIFTED_AT_ANNOTATION = "infra.vibework.io/reputation-guard-lifted-at";

  public boolean on() {
    return Boolean.TRUE.equals(enabled);
  }

  public double maxBounceRateOrDefault() {
    return maxBounceRate == null ? DEFAULT_MAX_BOUNCE_RATE : maxBounceRate;
  }

  public double maxComplaintRateOrDefault() {
    return maxComplaintRate == null ? DEFAULT_MAX_COMPLAINT_RATE : maxComplaintRate;
  }

  public int minSendsOrDefault() {
    return minSends == null ? DEFAULT_MIN_SENDS : minSends;
  }
}
