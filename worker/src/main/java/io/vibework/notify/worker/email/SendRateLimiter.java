package io.vibework.notify.worker.email;

import com.google.common.util.concurrent.RateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vibework.notify.worker.cache.CacheUnavailableException;
import io.vibework.notify.worker.cache.RedisCache;
import io.vibework.notify.worker.delivery.StopSignal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SES send rate for the whole pipeline, shared by its workers through Redis with GCRA (generic
 * cell rate algorithm) in one atomic Lua script: a send may go when the schedule's next slot is
 * due, else the script says how long to wait and reserves nothing. Within a worker only one send at
 * a time asks Redis (the others queue behind a fair lock), so a worker makes about one Redis call
 * per slot however many messages it holds, and nothing is reserved ahead that a Redis outage would
 * strand. While Redis does not answer, each worker falls back to its own share ({@code
 * SES_RATE_SHARE}), so the pipeline stays at or under the budget as long as the shares add up to
 * it.
 */
public final class SendRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(SendRateLimiter.class);

  /** Lateness absorbed without losing a slot (and so the largest burst above the rate). */
  private static final long MIN_TOLERANCE_MICROS = 100_000;

  /** How often a send waiting for its turn looks whether the worker is stopping. */
  private static final Duration STOP_CHECK = Duration.ofMillis(100);

  /**
   * KEYS[1]: the schedule's theoretical arrival time (µs on Redis's clock). ARGV[1]: the emission
   * interval in µs; ARGV[2]: the tolerance in µs. Returns 0 when the send may go (and moves the
   * schedule on by one interval), else the µs to wait before asking again. Redis's own clock is
   * used, so workers with skewed clocks still share one schedule.
   */
  static final String ACQUIRE_SCRIPT =
      """
      local t = redis.call('TIME')
      local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
      local interval = tonumber(ARGV[1])
      local tolerance = tonumber(ARGV[2])
      local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
      if tat < now then tat = now end
      local allowAt = tat - tolerance
      if now < allowAt then return allowAt - now end
      local nextTat = tat + interval
      redis.call('SET', KEYS[1], string.format('%d', nextTat),
                 'PX', math.ceil((nextTat - now) / 1000) + 1000)
      return 0
      """;

  private final RedisCache redis;
  private final String key;
  private final String intervalMicros;
  private final String toleranceMicros;
  private final RateLimiter share;
  private final Timer wait;
  private final ReentrantLock turn = new ReentrantLock(true);
  private final AtomicBoolean fallingBack = new AtomicBoolean();

  /**
   * @param key the Redis key (under the cache prefix) that holds this pipeline's schedule
   * @param rate the pipeline's emails per second, more than 0
   * @param share this worker's emails per second while Redis is away
   */
  public SendRateLimiter(
      RedisCache redis, String key, double rate, double share, MeterRegistry registry) {
    this.redis = redis;
    this.key = key;
    long interval = Math.max(1, Math.round(1_000_000 / rate));
    this.intervalMicros = Long.toString(interval);
    this.toleranceMicros = Long.toString(Math.max(interval, MIN_TOLERANCE_MICROS));
    this.share = RateLimiter.create(Math.min(share > 0 ? share : rate, rate));
    this.wait =
        Timer.builder("notify.worker.rate.limiter.wait.duration")
            .description("Time a send waited for its slot in the SES rate budget")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
  }

  /**
   * Blocks until this send may go; returns false, without a slot, as soon as the worker is stopping
   * (at a low rate a backlog could otherwise keep sending through the whole shutdown grace).
   */
  public boolean acquire(StopSignal stop) {
    long started = System.nanoTime();
    try {
      while (!turn.tryLock(STOP_CHECK.toMillis(), TimeUnit.MILLISECONDS)) {
        if (stop.isStopping()) {
          return false;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    try {
      while (true) {
        long waitMicros;
        try {
          waitMicros = redis.evalInteger(ACQUIRE_SCRIPT, key, intervalMicros, toleranceMicros);
        } catch (CacheUnavailableException e) {
          if (fallingBack.compareAndSet(false, true)) {
            log.atWarn()
                .addKeyValue("share", share.getRate())
                .log("shared SES rate budget unreachable (redis); sending at this worker's share");
          }
          share.acquire();
          return !stop.isStopping();
        }
        if (fallingBack.compareAndSet(true, false)) {
          log.info("shared SES rate budget reachable again");
        }
        if (waitMicros <= 0) {
          return true;
        }
        if (!stop.sleep(Duration.ofNanos(waitMicros * 1000))) {
          return false;
        }
      }
    } finally {
      turn.unlock();
      wait.record(Duration.ofNanos(System.nanoTime() - started));
    }
  }
}
