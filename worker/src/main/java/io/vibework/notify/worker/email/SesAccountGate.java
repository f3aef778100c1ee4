package io.vibework.notify.worker.email;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.delivery.StopSignal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether SES currently takes mail from this account. After an account-level error ({@link
 * SesAccountFailure}) sends wait here instead of failing: one waiting send at a time probes SES,
 * with exponential backoff, and the first accepted probe opens the gate for all. Messages held here
 * keep their Pub/Sub leases extended, so they spend no delivery attempts, and once they fill flow
 * control the subscriber pulls no more.
 */
public final class SesAccountGate {
  private static final Logger log = LoggerFactory.getLogger(SesAccountGate.class);
  private static final Duration FIRST_PROBE = Duration.ofSeconds(1);
  private static final Duration MAX_PROBE_INTERVAL = Duration.ofSeconds(30);
  private static final Duration RECHECK = Duration.ofMillis(500);

  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private volatile String blockedBy;
  private Instant nextProbe = Instant.MIN;
  private boolean probing;
  private int failures;

  public SesAccountGate(Clock clock, MeterRegistry registry) {
    this.clock = clock;
    Gauge.builder("notify.worker.ses.account.blocked", this, gate -> gate.blockedBy == null ? 0 : 1)
        .description("1 while an account-level SES error pauses sending and pulling")
        .register(registry);
  }

  /** The SES error code that blocks sending now, if any. */
  public Optional<String> blockedBy() {
    return Optional.ofNullable(blockedBy);
  }

  /**
   * Returns when this caller may send: at once while the gate is open, or when it is this caller's
   * turn to probe a blocked account.
   *
   * @return false when the worker is stopping first
   */
  public boolean awaitTurn(StopSignal stop) {
    if (blockedBy == null) {
      return true;
    }
    lock.lock();
    try {
      while (true) {
        if (blockedBy == null) {
          return true;
        }
        if (stop.isStopping()) {
          return false;
        }
        if (!probing && !clock.instant().isBefore(nextProbe)) {
          probing = true;
          return true;
        }
        changed.await(RECHECK.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      lock.unlock();
    }
  }

  /** SES accepted a send: the account is fine. */
  public void accepted() {
    if (blockedBy == null) {
      return;
    }
    lock.lock();
    try {
      if (blockedBy != null) {
        log.atInfo().addKeyValue("code", blockedBy).log("SES accepts mail again; sending resumes");
      }
      blockedBy = null;
      probing = false;
      failures = 0;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** SES refused a send for the whole account. */
  public void refused(SesAccountFailure failure) {
    lock.lock();
    try {
      if (blockedBy == null) {
        log.atError()
            .addKeyValue("code", failure.code())
            .log(
                "SES refuses mail for the whole account; sending and pulling pause until it recovers");
      }
      blockedBy = failure.code();
      failures++;
      probing = false;
      nextProbe =
          clock.instant().plus(StopSignal.backoff(failures - 1, FIRST_PROBE, MAX_PROBE_INTERVAL));
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A probe ended with no verdict about the account (say SES was unreachable). */
  public void inconclusive() {
    lock.lock();
    try {
      if (probing) {
        probing = false;
        nextProbe = clock.instant().plus(FIRST_PROBE);
        changed.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }
}
