package io.vibework.notify.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vibework.notify.testkit.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisPingerTest {

  private static final String PASSWORD = "pinger-pw-Vb31";

  @RegisterExtension static final RedisServer redis = new RedisServer().requirePassword(PASSWORD);

  private static final RedisPinger pinger = new RedisPinger(Duration.ofSeconds(2));

  @AfterAll
  static void close() {
    pinger.close();
  }

  @Test
  void theRightPasswordGetsAPongWithALatency() {
    RedisPinger.Result r =
        pinger.ping("redis://127.0.0.1:" + redis.port(), false, PASSWORD.toCharArray());
    assertThat(r.reachable()).isTrue();
    assertThat(r.latencyMillis()).isBetween(0L, 2000L);
    assertThat(r.error()).isNull();
  }

  @Test
  void aWrongPasswordIsUnreachableWithoutEchoingIt() {
    RedisPinger.Result r =
        pinger.ping("redis://127.0.0.1:" + redis.port(), false, "wrong-pw-Kd02".toCharArray());
    assertThat(r.reachable()).isFalse();
    assertThat(r.error()).isNotBlank().doesNotContain("wrong-pw-Kd02").doesNotContain(PASSWORD);
  }

  @Test
  void aStoppedRedisIsUnreachableAndAStartedOneAnswersAgain() {
    int port = redis.port();
    redis.stop();
    try {
      assertThat(
              pinger.ping("redis://127.0.0.1:" + port, false, PASSWORD.toCharArray()).reachable())
          .isFalse();
    } finally {
      redis.start();
    }
    assertThat(pinger.ping("redis://127.0.0.1:" + port, false, PASSWORD.toCharArray()).reachable())
        .isTrue();
  }
}
