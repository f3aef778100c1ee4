package io.vibework.notify.worker.delivery;

import io.vibework.notify.worker.notification.DeliveryLedger;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the claims this worker holds, every third of a lease, so a live holder never loses one and
 * a dead holder's claims lapse within one lease.
 */
public final class ClaimRenewer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClaimRenewer.class);

  private final DeliveryLedger ledger;
  private final Duration every;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("claim-renewer").factory());

  public ClaimRenewer(DeliveryLedger ledger) {
    this.ledger = ledger;
    this.every = ledger.lease().dividedBy(3);
  }

  /** Keeps renewing {@code notificationId}'s claim until the returned handle is closed. */
  public Renewal keep(String notificationId) {
    Renewal renewal = new Renewal(notificationId);
    renewal.task =
        timer.scheduleWithFixedDelay(
            renewal::renew, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    return renewal;
  }

  /** One claim being kept alive. */
  public final class Renewal implements AutoCloseable {
    private final String notificationId;
    private volatile ScheduledFuture<?> task;

    private Renewal(String notificationId) {
      this.notificationId = notificationId;
    }

    private void renew() {
      try {
        if (!ledger.renew(notificationId)) {
          log.atWarn()
              .addKeyValue("notificationId", notificationId)
              .log("claim no longer held by this worker");
          task.cancel(false);
        }
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
