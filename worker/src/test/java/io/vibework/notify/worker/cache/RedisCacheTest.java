package io.vibework.notify.worker.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.worker.config.CacheSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisCacheTest {
  @RegisterExtension
  static final RedisServer redis = new RedisServer().requirePassword("cache-pass");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private RedisCache cache;

  @BeforeEach
  void connect() {
    if (!redis.isRunning()) {
      redis.start();
    }
    cache =
        new RedisCache(
            new CacheSettings(
                URI.create(redis.url()), "cache-pass", "test:", Duration.ofSeconds(120), false),
            registry);
  }

  @AfterEach
  void close() {
    cache.close();
  }

  @Test
  void setThenGetUsesThePrefixAndTheDefaultTtl() {
    cache.set("greeting", "hello");

    assertThat(cache.get("greeting")).contains("hello");
    assertThat(cache.exists("greeting")).isTrue();
    assertThat(cache.ttl("greeting"))
        .hasValueSatisfying(
            ttl -> assertThat(ttl).isBetween(Duration.ofSeconds(110), Duration.ofSeconds(120)));
    assertThat(redis.execute("GET", "test:greeting")).isEqualTo("hello");
  }

  @Test
  void getCountsHitsAndMisses() {
    cache.set("present", "1");

    cache.get("present");
    cache.get("absent");

    assertThat(registry.get("notify.worker.cache.requests").tag("result", "hit").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("notify.worker.cache.requests").tag("result", "miss").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("notify.worker.cache.operation.duration").timer().count())
        .isGreaterThanOrEqualTo(3);
  }

  @Test
  void deleteExistsAndExpire() {
    cache.set("k", "v", Duration.ofSeconds(30));

    assertThat(cache.expire("k", Duration.ofSeconds(5))).isTrue();
    assertThat(cache.ttl("k"))
        .hasValueSatisfying(ttl -> assertThat(ttl).isLessThanOrEqualTo(Duration.ofSeconds(5)));
    assertThat(cache.delete("k")).isTrue();
    assertThat(cache.exists("k")).isFalse();
    assertThat(cache.delete("k")).isFalse();
    assertThat(cache.expire("k", Duration.ofSeconds(5))).isFalse();
  }

  @Test
  void mgetReadsManyKeysInOneCall() {
    cache.set("a", "1");
    cache.set("c", "3");

    assertThat(cache.mget(List.of("a", "b", "c")))
        .containsExactly(
            Map.entry("a", Optional.of("1")),
            Map.entry("b", Optional.empty()),
            Map.entry("c", Optional.of("3")));
  }

  @Test
  void failsFastWhileRedisIsDownAndRecoversWhenItIsBack() {
    cache.set("k", "v");
    redis.stop();

    long started = System.nanoTime();
    assertThatThrownBy(() -> cache.get("k")).isInstanceOf(CacheUnavailableException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    assertThat(
            registry.get("notify.worker.cache.requests").tag("result", "error").counter().count())
        .isPositive();

    redis.start();
    await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> cache.ping());
    cache.set("k", "again");
    assertThat(cache.get("k")).contains("again");
  }

  @Test
  void aWrongPasswordIsAnError() {
    try (RedisCache wrong =
        new RedisCache(
            new CacheSettings(
                URI.create(redis.url()), "nope", "test:", Duration.ofSeconds(1), false),
            registry)) {
      assertThatThrownBy(wrong::ping).isInstanceOf(CacheUnavailableException.class);
    }
  }
}
