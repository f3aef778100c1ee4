package io.vibework.notify.worker.email;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the SES account's quota (GetAccount) at start and every few minutes, for metrics and {@code
 * /readyz}; warns once when the configured rate is above what the account allows.
 */
public final class SesQuotaWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SesQuotaWatcher.class);
  static final Duration INTERVAL = Duration.ofMinutes(5);

  /** The last answer and when it came. */
  public record Reading(SesQuota quota, Instant checkedAt) {}

  private final SesEmailSender sender;
  private final double configuredRate;
  private final Clock clock;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().daemon().name("ses-quota").factory());
  private final AtomicBoolean warned = new AtomicBoolean();
  private volatile Reading last;

  public SesQuotaWatcher(
      SesEmailSender sender, double configuredRate, Clock clock, MeterRegistry registry) {
    this.sender = sender;
    this.configuredRate = configuredRate;
    this.clock = clock;
    gauge(
        registry,
        "notify.worker.ses.quota.max.send.rate",
        "SES account: emails per second",
        q -> q.maxSendRate());
    gauge(
        registry,
        "notify.worker.ses.quota.max.24h.send",
        "SES account: emails per 24 hours",
        q -> q.max24HourSend());
    gauge(
        registry,
        "notify.worker.ses.quota.sent.last.24h",
        "SES account: emails sent in the last 24 hours",
        q -> q.sentLast24Hours());
    gauge(
        registry,
        "notify.worker.ses.sending.enabled",
        "SES account: 1 when sending is enabled",
        q -> q.sendingEnabled() ? 1 : 0);
  }

  private void gauge(
      MeterRegistry registry, String name, String description, ToDoubleFunction<SesQuota> value) {
    Gauge.builder(
            name, this, w -> w.last == null ? Double.NaN : value.applyAsDouble(w.last.quota()))
        .description(description)
        .register(registry);
  }

  public void start() {
    timer.scheduleWithFixedDelay(this::check, 0, INTERVAL.toSeconds(), TimeUnit.SECONDS);
  }

  void check() {
    try {
      SesQuota quota = sender.account();
      last = new Reading(quota, clock.instant());
      if (configuredRate > 0
          && quota.maxSendRate() > 0
          && configuredRate > quota.maxSendRate()
          && warned.compareAndSet(false, true)) {
        log.atWarn()
            .addKeyValue("configuredRate", configuredRate)
            .addKeyValue("accountMaxSendRate", quota.maxSendRate())
            .log("SES_MAX_SEND_RATE is above the SES account's max send rate; SES will throttle");
      }
    } catch (RuntimeException e) {
      log.atWarn()
          .addKeyValue("error", e.getClass().getSimpleName())
          .log("could not read the SES account quota (GetAccount)");
    }
  }

  /** The {@code sesAccount} detail of {@code /readyz}, once GetAccount answered. */
  public Optional<Map<String, Object>> detail() {
    Reading reading = last;
    if (reading == null) {
      return Optional.empty();
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("maxSendRate", reading.quota().maxSendRate());
    detail.put("max24HourSend", reading.quota().max24HourSend());
    detail.put("sentLast24Hours", reading.quota().sentLast24Hours());
    detail.put("sendingEnabled", reading.quota().sendingEnabled());
    detail.put("checkedAt", reading.checkedAt().truncatedTo(ChronoUnit.SECONDS).toString());
    return Optional.of(detail);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
