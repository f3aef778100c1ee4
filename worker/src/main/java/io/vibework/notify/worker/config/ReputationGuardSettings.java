package io.vibework.notify.worker.config;

import java.util.Optional;

/**
 * The optional reputation guard: stop sending while this worker's 24-hour hard-bounce or complaint
 * rate is at or above its limit, once at least {@code minSends} emails are in the window. Off
 * unless a limit is set. {@code liftedAt} is the operator's lift annotation, shown in the log: the
 * lift itself is the rollout that starts workers with a fresh window.
 */
public record ReputationGuardSettings(
    boolean enabled,
    double maxBounceRate,
    double maxComplaintRate,
    int minSends,
    Optional<String> liftedAt) {
  // SES pauses an account at these rates: a guard at or above them would come too late.
  static final double SES_BOUNCE_PAUSE = 0.10;
  static final double SES_COMPLAINT_PAUSE = 0.005;

  public static ReputationGuardSettings off() {
    return new ReputationGuardSettings(false, 0, 0, 0, Optional.empty());
  }

  static ReputationGuardSettings from(Env env, FeedbackSettings feedback) {
    boolean bounceSet = env.optional("REPUTATION_GUARD_MAX_BOUNCE_RATE").isPresent();
    boolean complaintSet = env.optional("REPUTATION_GUARD_MAX_COMPLAINT_RATE").isPresent();
    if (!bounceSet && !complaintSet) {
      return off();
    }
    double bounce = rate(env, "REPUTATION_GUARD_MAX_BOUNCE_RATE", 0.08, SES_BOUNCE_PAUSE);
    double complaint = rate(env, "REPUTATION_GUARD_MAX_COMPLAINT_RATE", 0.004, SES_COMPLAINT_PAUSE);
    if (feedback.queueUrl().isEmpty()) {
      throw new ConfigException(
          bounceSet ? "REPUTATION_GUARD_MAX_BOUNCE_RATE" : "REPUTATION_GUARD_MAX_COMPLAINT_RATE",
          "needs AWS_SES_FEEDBACK_QUEUE_URL: without SES events there is no rate to guard");
    }
    return new ReputationGuardSettings(
        true,
        bounce,
        complaint,
        env.integer("REPUTATION_GUARD_MIN_SENDS", 200, 1, 10_000_000),
        env.optional("REPUTATION_GUARD_LIFTED_AT"));
  }

  private static double rate(Env env, String name, double fallback, double pause) {
    double value = env.decimal(name, fallback, 0);
    if (value <= 0 || value >= pause) {
      throw new ConfigException(
          name,
          "must be above 0 and below "
              + pause
              + ", where SES pauses the account (got '"
              + env.optional(name).orElse("")
              + "')");
    }
    return value;
  }
}
