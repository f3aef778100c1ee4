package io.vibework.notify.worker.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Tells the pipeline's in-place waits (a claim held elsewhere, a blocked SES account, a record that
 * is not visible yet, a write that must not be skipped) that the worker is stopping, and wakes them
 * at once.
 */
public final class StopSignal {
  private final CountDownLatch stopping = new CountDownLatch(1);
  private final Clock clock;
  private volatile Instant deadline = Instant.MAX;

  public StopSignal(Clock clock) {
    this.clock = clock;
  }

  /**
   * Stopping starts now; writes that must not be skipped keep trying until {@code grace} has
   * passed.
   */
  public void stop(Duration grace) {
    deadline = clock.instant().plus(grace);
    stopping.countDown();
  }

  public boolean isStopping() {
    return stopping.getCount() == 0;
  }

  /** True once the grace period given to {@link #stop} is over. */
  public boolean gracePassed() {
    return clock.instant().isAfter(deadline);
  }

  /** Sleeps {@code duration}; returns false (early) when stopping starts or already started. */
  public boolean sleep(Duration duration) {
    try {
      return !stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Sleeps without regard to stopping (for work that must finish within the grace period). */
  public static void pause(Duration duration) {
    try {
      Thread.sleep(duration);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Exponential backoff with full jitter: a random delay in [base, min(cap, base * 2^attempt)]. */
  public static Duration backoff(int attempt, Duration base, Duration cap) {
    long ceiling =
        Math.min(cap.toMillis(), base.toMillis() * (1L << Math.min(Math.max(attempt, 0), 20)));
    return Duration.ofMillis(
        ThreadLocalRandom.current()
            .nextLong(base.toMillis(), Math.max(base.toMillis(), ceiling) + 1));
  }
}
