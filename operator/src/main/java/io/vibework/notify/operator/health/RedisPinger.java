package io.vibework.notify.operator.health;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisCredentialsProvider;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Answers "does this Redis reply to PING with this password, and how fast". One set of Netty
 * resources is shared by every check; a connection lives only for its check so an idle operator
 * holds no sockets.
 */
public class RedisPinger implements AutoCloseable {

  /** latencyMillis is the PING round trip alone, without the connection set-up. */
  public record Result(boolean reachable, long latencyMillis, String error) {}

  private final ClientResources resources;
  // One client for all checks: a client per check would release and recreate Netty's event loop
  // each time, and late listeners then log errors against the closed loop.
  private final RedisClient client;
  private final Duration timeout;

  public RedisPinger(Duration timeout) {
    this.resources =
        DefaultClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            // Resolve names like every other client in the JVM (the fabric8 and HTTP clients):
            // through the JDK resolver, so /etc/hosts, the JVM DNS cache and jdk.net.hosts.file
            // all apply. Lettuce's default, Netty's own DNS client, reads /etc/resolv.conf and
            // /etc/hosts only.
            .addressResolverGroup(DefaultAddressResolverGroup.INSTANCE)
            .build();
    this.timeout = timeout;
    this.client = RedisClient.create(resources);
    client.setOptions(
        ClientOptions.builder()
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .autoReconnect(false)
            .build());
  }

  public Result ping(String url, boolean tls, char[] password) {
    RedisURI uri;
    try {
      uri = RedisURI.create(url);
    } catch (RuntimeException e) {
      return new Result(false, 0, "url is not a Redis URL");
    }
    uri.setSsl(tls);
    uri.setTimeout(timeout);
    if (password != null) {
      char[] copy = password.clone();
      uri.setCredentialsProvider(
          RedisCredentialsProvider.from(() -> RedisCredentials.just(null, copy)));
    }
    try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
      long start = System.nanoTime();
      connection.sync().ping();
      long micros = (System.nanoTime() - start) / 1000;
      return new Result(true, Math.max(0, Math.round(micros / 1000.0)), null);
    } catch (RuntimeException e) {
      return new Result(false, 0, describe(e, password));
    }
  }

  // Lettuce messages name host and port and Redis' own error (NOAUTH, WRONGPASS); never the
  // password.
  private static String describe(Throwable e, char[] password) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message =
        root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    if (password != null && password.length > 0) {
      message = message.replace(new String(password), "***");
    }
    if (message.length() > 200) {
      message = message.substring(0, 200);
    }
    return message;
  }

  @Override
  public void close() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    resources.shutdown(0, 1, TimeUnit.SECONDS);
  }
}
