package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class RedisServerTest {

  @RegisterExtension static final RedisServer redis = new RedisServer();

  @Test
  void answersPingOverAPlainSocket() throws IOException {
    assertThat(redis.url()).isEqualTo("redis://127.0.0.1:" + redis.port());
    assertThat(send(redis.port(), "PING")).isEqualTo("+PONG");
  }

  @Test
  void stopAndStartComeBackOnTheSamePort() throws IOException {
    int port = redis.port();
    assertThat(send(port, "SET k v")).isEqualTo("+OK");

    redis.stop();
    assertThat(redis.isRunning()).isFalse();
    assertThatThrownBy(() -> send(port, "PING")).isInstanceOf(IOException.class);

    redis.start();
    assertThat(redis.isRunning()).isTrue();
    assertThat(redis.port()).isEqualTo(port);
    assertThat(send(port, "PING")).isEqualTo("+PONG");
    assertThat(send(port, "EXISTS k")).isEqualTo(":0"); // no persistence: a cache outage loses data
  }

  @Test
  void passwordIsEnforced() throws IOException {
    try (RedisServer secured = new RedisServer().requirePassword("s3cret").start()) {
      assertThat(send(secured.port(), "PING")).startsWith("-NOAUTH");
      assertThat(send(secured.port(), "AUTH s3cret")).isEqualTo("+OK");
      assertThat(secured.execute("SET", "k", "v", "EX", "100"))
          .isEqualTo("OK"); // authenticates itself
    }
  }

  @Test
  void executeReturnsRepliesAsText() {
    assertThat(redis.execute("SET", "greeting", "héllo wörld")).isEqualTo("OK");
    assertThat(redis.execute("GET", "greeting")).isEqualTo("héllo wörld");
    assertThat(redis.execute("GET", "absent")).isNull();
    assertThat(redis.execute("EXPIRE", "greeting", "3600")).isEqualTo("1");
    assertThat(Long.parseLong(redis.execute("TTL", "greeting"))).isBetween(3590L, 3600L);
    assertThat(redis.execute("RPUSH", "list", "a", "b")).isEqualTo("2");
    assertThat(redis.execute("LRANGE", "list", "0", "-1")).isEqualTo("a\nb");
    assertThatThrownBy(() -> redis.execute("INCR", "greeting")).hasMessageContaining("redis error");
  }

  /** Sends one inline command; returns the first reply line. */
  static String send(int port, String inlineCommand) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write((inlineCommand + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      return new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
    }
  }
}
