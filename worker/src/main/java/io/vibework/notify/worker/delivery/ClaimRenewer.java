package io.vibework.notify.worker.delivery;

import io.vibework.notify.worker.notification.DeliveryLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the claims this worker holds, every third of a lease, so a live holder never loses one and
 * a dead holder's claims lapse within one lease.
 *
 * <p>A holder can still lose a claim: stalled (a long GC pause, MongoDB unreachable for a whole
 * lease) until its lease lapsed and another worker took the notification over. So the pipeline asks
 * {@link Renewal#held()} right before it sends: a claim not confirmed recently is confirmed then.
 */
public final class ClaimRenewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClaimRenewer.class);

  private final DeliveryLedger ledger;
  private final Clock clock;
  private final Duration every;
  private final Duration halfLease;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("claim-renewer").factory());

  public ClaimRenewer(DeliveryLedger ledger, Clock clock) {
    this.ledger = ledger;
    this.clock = clock;
    this.every = ledger.lease().dividedBy(3);
    this.halfLease = ledger.lease().dividedBy(2);
  }

  /**
   * Keeps renewing {@code notificationId}'s claim, just acquired, until the returned handle is
   * closed.
   */
  public Renewal keep(String notificationId) {
    Renewal renewal = new Renewal(notificationId, clock.instant().plus(ledger.lease()));
    renewal.task =
        timer.scheduleWithFixedDelay(
            renewal::renewQuietly, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return renewal;
  }

  /** One claim being kept alive. */
  public final class Renewal implements AutoCloseable {
    private final String notificationId;
    private volatile ScheduledFuture<?> task;
    private volatile Instant confirmedUntil;
    private volatile boolean lost;

    private Renewal(String notificationId, Instant confirmedUntil) {
      this.notificationId = notificationId;
      this.confirmedUntil = confirmedUntil;
    }

    /**
     * Whether this worker still holds the claim. Free while the last confirmation has more than
     * half a lease left (the normal case: a send follows its claim within milliseconds); otherwise
     * asks MongoDB, and throws {@link TransientFailure} when MongoDB does not answer.
     */
    public boolean held() {
      if (!lost && clock.instant().plus(halfLease).isBefore(confirmedUntil)) {
        return true;
      }
      return !lost && renew();
    }

    private boolean renew() {
      Instant asked = clock.instant();
      if (ledger.renew(notificationId)) {
        confirmedUntil = asked.plus(ledger.lease());
        return true;
      }
      lost = true;
      task.cancel(false);
      log.atWarn()
          .addKeyValue("notificationId", notificationId)
          .log("claim no longer held by this worker");
      return false;
    }

    private void renewQuietly() {
      try {
        renew();
      } catch (TransientFailure e) {
        // MongoDB is away: try again next round; the lease covers two missed renewals.
        log.atWarn()
            .addKeyValue("notificationId", notificationId)
            .addKeyValue("error", e.getMessage())
            .log("claim renewal failed");
      }
    }

    @Override
    public void close() {
      task.cancel(false);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
