package io.vibework.notify.worker.feedback;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.config.ReputationGuardSettings;
import io.vibework.notify.worker.delivery.StopSignal;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops sending while the 24-hour hard-bounce or complaint rate of this worker's {@link
 * ReputationWindow} is at or above the guard's limit, below the rates at which SES pauses the whole
 * account. Sends wait here in place, as for an account-level SES error: their messages keep their
 * leases, flow control fills, pulling stops, nothing is failed. It opens again when the rate falls
 * under the limit or the window holds fewer than {@code minSends} emails (the evidence aged out),
 * or when a person lifts it, which starts workers with a fresh window.
 */
public final class ReputationGuard {
  private static final Logger log = LoggerFactory.getLogger(ReputationGuard.class);

  /** The {@code email} check's value in {@code /readyz} while the guard holds sending. */
  public static final String CHECK_VALUE = "reputation_guard";

  static final Duration RECHECK = Duration.ofSeconds(1);

  private final ReputationGuardSettings settings;
  private final ReputationWindow window;
  private final Clock clock;
  private volatile String trippedBy;
  private volatile long nextCheck;

  public ReputationGuard(
      ReputationGuardSettings settings,
      ReputationWindow window,
      Clock clock,
      MeterRegistry registry) {
    this.settings = settings;
    this.window = window;
    this.clock = clock;
    if (settings.enabled()) {
      settings
          .liftedAt()
          .ifPresent(
              at ->
                  log.atInfo()
                      .addKeyValue("liftedAt", at)
                      .log("reputation guard lifted; this worker starts with an empty window"));
    }
    Gauge.builder("notify.worker.ses.reputation.guard", this, g -> g.trippedBy == null ? 0 : 1)
        .description("1 while the reputation guard holds sending (bounce or complaint rate high)")
        .register(registry);
  }

  /**
   * Why the guard holds sending now ({@code bounce_rate} or {@code complaint_rate}), if it does.
   */
  public Optional<String> trippedBy() {
    check();
    return Optional.ofNullable(trippedBy);
  }

  /**
   * Returns when sending may go on: at once while the guard is open.
   *
   * @return false when the worker is stopping first
   */
  public boolean awaitClear(StopSignal stop) {
    if (!settings.enabled()) {
      return true;
    }
    check();
    while (trippedBy != null) {
      if (!stop.sleep(RECHECK)) {
        return false;
      }
      check();
    }
    return true;
  }

  /** Reads the window at most once a {@link #RECHECK}: sends must not pay for summing it. */
  private void check() {
    long now = clock.millis();
    if (!settings.enabled() || now < nextCheck) {
      return;
    }
    nextCheck = now + RECHECK.toMillis();
    long[] totals = window.totals();
    String verdict = verdict(totals);
    String before = trippedBy;
    trippedBy = verdict;
    if (verdict != null && before == null) {
      log.atError()
          .addKeyValue("reason", verdict)
          .addKeyValue("sends24h", totals[0])
          .addKeyValue("hardBounces24h", totals[1])
          .addKeyValue("complaints24h", totals[2])
          .log("reputation guard: sending and pulling stop until the rate falls or it is lifted");
    } else if (verdict == null && before != null) {
      log.atInfo()
          .addKeyValue("sends24h", totals[0])
          .log("reputation guard: rate under the limit again; sending resumes");
    }
  }

  private String verdict(long[] totals) {
    if (totals[0] < settings.minSends()) {
      return null;
    }
    if ((double) totals[1] / totals[0] >= settings.maxBounceRate()) {
      return "bounce_rate";
    }
    if ((double) totals[2] / totals[0] >= settings.maxComplaintRate()) {
      return "complaint_rate";
    }
    return null;
  }
}
