package io.vibework.notify.worker.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.vibework.notify.worker.config.CacheSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key-prefixed string cache over one shared lettuce connection.
 *
 * <p>Redis is only a cache, so every operation fails fast instead of queueing while Redis is away
 * (commands are rejected when disconnected and time out after {@link #COMMAND_TIMEOUT}); callers
 * treat a {@link CacheUnavailableException} as a miss. Lettuce reconnects by itself once a first
 * connection was made; until then each call retries the connect at most every few seconds.
 */
public final class RedisCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisCache.class);
  static final Duration COMMAND_TIMEOUT = Duration.ofMillis(500);
  private static final Duration CONNECT_RETRY = Duration.ofSeconds(2);

  private final ClientResources resources;
  private final RedisClient client;
  private final String prefix;
  private final Duration defaultTtl;
  private final Counter hits;
  private final Counter misses;
  private final Counter errors;
  private final Timer latency;
  private final Object connectLock = new Object();
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile long nextConnectAttemptNanos;

  public RedisCache(CacheSettings settings, MeterRegistry registry) {
    RedisURI uri = RedisURI.create(settings.url());
    if (settings.password() != null) {
      uri.setCredentialsProvider(
          RedisCredentialsProvider.from(() -> RedisCredentials.just(null, settings.password())));
    }
    uri.setSsl(settings.tls());
    uri.setTimeout(COMMAND_TIMEOUT);
    // Resolve names like every other client in the worker (JDBC, MongoDB, gRPC, the AWS SDK):
    // through the JDK resolver, so /etc/hosts, the JVM DNS cache and jdk.net.hosts.file apply.
    this.resources =
        DefaultClientResources.builder()
            .addressResolverGroup(DefaultAddressResolverGroup.INSTANCE)
            .build();
    this.client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .autoReconnect(true)
            .socketOptions(SocketOptions.builder().connectTimeout(Duration.ofSeconds(1)).build())
            .timeoutOptions(TimeoutOptions.enabled(COMMAND_TIMEOUT))
            .build());
    this.prefix = settings.keyPrefix();
    this.defaultTtl = settings.ttl();
    this.hits = requests(registry, "hit", "Cache lookups that found the key");
    this.misses = requests(registry, "miss", "Cache lookups that did not find the key");
    this.errors =
        requests(registry, "error", "Cache operations that failed (Redis unreachable or slow)");
    this.latency =
        Timer.builder("notify.worker.cache.operation.duration")
            .description("Latency of cache operations")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(2))
            .register(registry);
    connectQuietly();
  }

  private static Counter requests(MeterRegistry registry, String result, String description) {
    return Counter.builder("notify.worker.cache.requests")
        .description(description)
        .tag("result", result)
        .register(registry);
  }

  /**
   * Runs a Lua script on {@code prefix + key} and returns its integer answer. Not counted as a
   * cache request: the rate limiter uses Redis as a shared counter, not as a cache.
   */
  public long evalInteger(String script, String key, String... args) {
    try {
      Long answer =
          commands().eval(script, ScriptOutputType.INTEGER, new String[] {prefix + key}, args);
      return answer == null ? 0 : answer;
    } catch (CacheUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new CacheUnavailableException(
          "redis script failed: " + e.getClass().getSimpleName(), e);
    }
  }

  public String prefix() {
    return prefix;
  }

  public Duration defaultTtl() {
    return defaultTtl;
  }

  /** The value under {@code prefix + key}, counting a hit or a miss. */
  public Optional<String> get(String key) {
    Optional<String> value = Optional.ofNullable(call(() -> commands().get(prefix + key)));
    (value.isPresent() ? hits : misses).increment();
    return value;
  }

  public void set(String key, String value) {
    set(key, value, defaultTtl);
  }

  public void set(String key, String value, Duration ttl) {
    call(() -> commands().setex(prefix + key, ttl.toSeconds(), value));
  }

  public boolean delete(String key) {
    return call(() -> commands().del(prefix + key)) > 0;
  }

  public boolean exists(String key) {
    return call(() -> commands().exists(prefix + key)) > 0;
  }

  public boolean expire(String key, Duration ttl) {
    return call(() -> commands().expire(prefix + key, ttl.toSeconds()));
  }

  /** Remaining time to live, empty when the key does not exist or never expires. */
  public Optional<Duration> ttl(String key) {
    long seconds = call(() -> commands().ttl(prefix + key));
    return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
  }

  /** Values for several keys in one round trip; keys without a value map to empty. */
  public Map<String, Optional<String>> mget(List<String> keys) {
    if (keys.isEmpty()) {
      return Map.of();
    }
    String[] prefixed = keys.stream().map(k -> prefix + k).toArray(String[]::new);
    List<KeyValue<String, String>> found = call(() -> commands().mget(prefixed));
    Map<String, Optional<String>> result = new LinkedHashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      Optional<String> value = found.get(i).optional();
      (value.isPresent() ? hits : misses).increment();
      result.put(keys.get(i), value);
    }
    return result;
  }

  /** PING, for the readiness check. */
  public void ping() {
    String answer = call(() -> commands().ping());
    if (!"PONG".equals(answer)) {
      throw new CacheUnavailableException("unexpected PING answer", null);
    }
  }

  private <T> T call(Supplier<T> operation) {
    Timer.Sample sample = Timer.start();
    try {
      return operation.get();
    } catch (CacheUnavailableException e) {
      errors.increment();
      throw e;
    } catch (RuntimeException e) {
      errors.increment();
      throw new CacheUnavailableException(
          "redis operation failed: " + e.getClass().getSimpleName(), e);
    } finally {
      sample.stop(latency);
    }
  }

  private RedisCommands<String, String> commands() {
    StatefulRedisConnection<String, String> current = connection;
    if (current == null) {
      current = connectQuietly();
      if (current == null) {
        throw new CacheUnavailableException("redis is not connected", null);
      }
    }
    return current.sync();
  }

  private StatefulRedisConnection<String, String> connectQuietly() {
    synchronized (connectLock) {
      if (connection != null || System.nanoTime() < nextConnectAttemptNanos) {
        return connection;
      }
      try {
        connection = client.connect();
        log.info("connected to redis");
      } catch (RuntimeException e) {
        nextConnectAttemptNanos = System.nanoTime() + CONNECT_RETRY.toNanos();
        log.atWarn()
            .addKeyValue("error", e.getClass().getSimpleName())
            .log("redis unreachable; reading through to the database");
      }
      return connection;
    }
  }

  @Override
  public void close() {
    StatefulRedisConnection<String, String> current = connection;
    if (current != null) {
      current.close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }
}
