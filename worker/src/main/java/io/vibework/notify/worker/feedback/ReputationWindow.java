package io.vibework.notify.worker.feedback;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.function.DoubleSupplier;

/**
 * This worker's last 24 hours as SES counts reputation: hard bounces and complaints over sends, in
 * one-minute buckets. Sends come from the sender's own counter, read whenever the window moves, so
 * sending pays nothing for it. Each worker counts the sends it made and the events it consumed; the
 * operator sums the counts of all workers before dividing, so the pipeline's rate is right however
 * the queue spreads events among them.
 */
public final class ReputationWindow {
  private static final int MINUTES = 24 * 60;

  private final Clock clock;
  private final DoubleSupplier sentSoFar;
  private final long[] sends = new long[MINUTES];
  private final long[] bounces = new long[MINUTES];
  private final long[] complaints = new long[MINUTES];
  private long minute = -1;
  private double sentAtRoll;
  private final Instant since;

  public ReputationWindow(Clock clock, DoubleSupplier sentSoFar, MeterRegistry registry) {
    this.clock = clock;
    this.sentSoFar = sentSoFar;
    this.since = clock.instant();
    Gauge.builder("notify.worker.ses.sends.24h", () -> totals()[0])
        .description("Emails this worker sent in the last 24 hours")
        .register(registry);
    Gauge.builder("notify.worker.ses.hard.bounces.24h", () -> totals()[1])
        .description("Hard bounces this worker consumed in the last 24 hours")
        .register(registry);
    Gauge.builder("notify.worker.ses.complaints.24h", () -> totals()[2])
        .description("Complaints this worker consumed in the last 24 hours")
        .register(registry);
    Gauge.builder("notify.worker.ses.bounce.rate.24h", this::bounceRate)
        .description("Hard bounces over sends in the last 24 hours, as SES counts them")
        .register(registry);
    Gauge.builder("notify.worker.ses.complaint.rate.24h", this::complaintRate)
        .description("Complaints over sends in the last 24 hours")
        .register(registry);
  }

  /**
   * Counts a hard bounce or complaint, unless it is about an email sent before this window began:
   * its send is not among the window's sends, so counting it would inflate the rate (a restarted
   * worker, or one started to lift the reputation guard, would trip on old news).
   */
  public void record(FeedbackEvent event) {
    boolean counts = event.hardBounce() || event.type() == FeedbackEvent.Type.COMPLAINT;
    // Deliveries, most events by far, change nothing here.
    if (counts && !event.sentAt().isBefore(since.minusSeconds(1))) {
      count(event);
    }
  }

  private synchronized void count(FeedbackEvent event) {
    roll();
    int slot = (int) (minute % MINUTES);
    if (event.hardBounce()) {
      bounces[slot]++;
    } else if (event.type() == FeedbackEvent.Type.COMPLAINT) {
      complaints[slot]++;
    }
  }

  public double bounceRate() {
    long[] t = totals();
    return t[0] == 0 ? 0 : (double) t[1] / t[0];
  }

  public double complaintRate() {
    long[] t = totals();
    return t[0] == 0 ? 0 : (double) t[2] / t[0];
  }

  /** Sends, hard bounces, complaints in the window. */
  public synchronized long[] totals() {
    roll();
    long[] t = new long[3];
    for (int i = 0; i < MINUTES; i++) {
      t[0] += sends[i];
      t[1] += bounces[i];
      t[2] += complaints[i];
    }
    return t;
  }

  private void roll() {
    long now = clock.millis() / 60_000;
    if (minute < 0) {
      minute = now;
    }
    for (long m = minute + 1; m <= now && m <= minute + MINUTES; m++) {
      int slot = (int) (m % MINUTES);
      sends[slot] = 0;
      bounces[slot] = 0;
      complaints[slot] = 0;
    }
    minute = now;
    double sent = sentSoFar.getAsDouble();
    sends[(int) (minute % MINUTES)] += (long) (sent - sentAtRoll);
    sentAtRoll = sent;
  }
}
