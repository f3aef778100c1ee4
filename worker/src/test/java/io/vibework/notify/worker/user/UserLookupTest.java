package io.vibework.notify.worker.user;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.worker.cache.RedisCache;
import io.vibework.notify.worker.config.CacheSettings;
import io.vibework.notify.worker.config.MySqlSettings;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UserLookupTest {
  @RegisterExtension static final RedisServer redis = new RedisServer();
  @RegisterExtension static final MariaDbServer mysql = new MariaDbServer();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private RedisCache cache;
  private UserRepository repository;
  private UserLookup lookup;

  @BeforeAll
  static void schema() {
    mysql.execute(
        """
                CREATE TABLE users (id VARCHAR(64) PRIMARY KEY, email VARCHAR(320) NOT NULL, name VARCHAR(255),
                  password_hash VARCHAR(255), created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP)""",
        "INSERT INTO users (id, email, name, password_hash) VALUES ('u1', 'ada@example.com', 'Ada', 'bcrypt$secret-hash')",
        "INSERT INTO users (id, email, name, password_hash) VALUES ('u2', 'bob@example.com', 'Bob', 'bcrypt$secret-hash')");
  }

  @BeforeEach
  void wire() {
    if (!redis.isRunning()) {
      redis.start();
    }
    cache =
        new RedisCache(
            new CacheSettings(
                URI.create(redis.url()), null, "vibe:", Duration.ofSeconds(3600), false),
            registry);
    repository =
        new UserRepository(
            new MySqlSettings(
                mysql.host(), mysql.port(), mysql.user(), mysql.password(), mysql.database(), 2),
            registry);
    lookup = new UserLookup(cache, repository, new ObjectMapper());
  }

  @AfterEach
  void close() {
    cache.close();
    repository.close();
  }

  @Test
  void theSecondLookupIsACacheHit() {
    redis.execute("DEL", "vibe:user:u1");

    assertThat(lookup.find("u1")).contains(new User("u1", "ada@example.com", "Ada"));
    assertThat(lookup.find("u1")).contains(new User("u1", "ada@example.com", "Ada"));

    assertThat(registry.get("notify.worker.cache.requests").tag("result", "miss").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("notify.worker.cache.requests").tag("result", "hit").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("notify.worker.db.query.duration").timer().count()).isEqualTo(1);
  }

  @Test
  void redisHoldsTheUserWithTheTtlAndNoSensitiveField() {
    lookup.find("u2");

    String cached = redis.execute("GET", "vibe:user:u2");
    assertThat(cached)
        .contains("bob@example.com")
        .contains("Bob")
        .doesNotContain("password", "bcrypt", "created");
    assertThat(Long.parseLong(redis.execute("TTL", "vibe:user:u2"))).isBetween(3500L, 3600L);
  }

  @Test
  void anUnknownUserIsEmptyAndNotCached() {
    assertThat(lookup.find("ghost")).isEmpty();
    assertThat(redis.execute("EXISTS", "vibe:user:ghost")).isEqualTo("0");
  }

  @Test
  void withRedisDownTheDatabaseAnswers() {
    redis.stop();

    assertThat(lookup.find("u1")).contains(new User("u1", "ada@example.com", "Ada"));
    assertThat(lookup.find("u2")).contains(new User("u2", "bob@example.com", "Bob"));
  }
}
