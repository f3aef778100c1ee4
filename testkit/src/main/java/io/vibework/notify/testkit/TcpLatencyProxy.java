package io.vibework.notify.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * A TCP proxy on a free loopback port that delays each chunk the target sends back, for any
 * protocol (Redis, MySQL). The delay is asked of a supplier per chunk, so a test can make a
 * server's latency jump around the way a loaded machine's does:
 *
 * <pre>{@code
 * @RegisterExtension static final RedisServer redis = new RedisServer();
 * static final AtomicInteger round = new AtomicInteger();
 * @RegisterExtension static final TcpLatencyProxy slowRedis =
 *     new TcpLatencyProxy(redis::port, () -> Duration.ofMillis(round.get() % 2 == 0 ? 1 : 20));
 * }</pre>
 *
 * <p>One virtual thread per direction per connection; closing the proxy closes every connection.
 */
public final class TcpLatencyProxy extends ClassScopedServer {

  private final IntSupplier targetPort;
  private final Supplier<Duration> delay;
  private final AtomicInteger connections = new AtomicInteger();
  private ServerSocket server;
  private ExecutorService executor;

  /**
   * @param targetPort the loopback port to forward to, resolved per connection
   * @param delay how long to hold each chunk from the target before passing it on
   */
  public TcpLatencyProxy(IntSupplier targetPort, Supplier<Duration> delay) {
    this.targetPort = Objects.requireNonNull(targetPort, "targetPort");
    this.delay = Objects.requireNonNull(delay, "delay");
  }

  @Override
  public synchronized TcpLatencyProxy start() {
    if (server != null) {
      return this;
    }
    try {
      server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getByName(Ports.LOOPBACK), 0));
    } catch (IOException e) {
      throw new UncheckedIOException("latency proxy cannot listen on " + Ports.LOOPBACK, e);
    }
    executor = Executors.newVirtualThreadPerTaskExecutor();
    ServerSocket listening = server;
    executor.execute(() -> accept(listening));
    return this;
  }

  /** The port to use in place of the target's. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("latency proxy has not been started");
    }
    return server.getLocalPort();
  }

  /** Connections accepted since the proxy was created. */
  public int connections() {
    return connections.get();
  }

  private void accept(ServerSocket listening) {
    while (!listening.isClosed()) {
      try {
        Socket client = listening.accept();
        connections.incrementAndGet();
        Socket upstream = new Socket(Ports.LOOPBACK, targetPort.getAsInt());
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        executor.execute(() -> pump(client, upstream, false));
        executor.execute(() -> pump(upstream, client, true));
      } catch (IOException | RuntimeException e) {
        // Closed while accepting, or the target is down: the client sees its connection drop.
      }
    }
  }

  private void pump(Socket from, Socket to, boolean delayed) {
    byte[] buffer = new byte[16 * 1024];
    try (from;
        to) {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        if (delayed) {
          Thread.sleep(delay.get());
        }
        out.write(buffer, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // One side went away; closing both (try-with-resources) tells the other.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    if (server == null) {
      return;
    }
    try {
      server.close();
    } catch (IOException e) {
      // Closing anyway.
    }
    executor.shutdownNow();
    server = null;
    executor = null;
  }
}
