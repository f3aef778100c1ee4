package io.vibework.notify.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In-cluster host names on this machine, without touching /etc/hosts or DNS: each name gets its own
 * loopback address (127.0.0.0/8 is all loopback on Linux: 127.0.1.10, 127.0.1.11, ...), listed in a
 * generated hosts file, and a small TCP forwarder on that address at the in-cluster port relays
 * connections to wherever the service really listens (a testkit server on 127.0.0.1:N, or the ready
 * workers behind a Service, like kube-proxy).
 *
 * <p>The operator and the workers are started with {@link #jvmOptions()}: every client in them
 * (fabric8, JDBC, MongoDB, gRPC, the AWS SDK, and lettuce, which resolves through the JDK too) then
 * reads that hosts file before DNS.
 */
public final class HostMapping implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HostMapping.class);

  private final Path hostsFile;
  private final Map<String, String> addressByHost = new LinkedHashMap<>();
  private final Map<String, Forwarder> forwarders = new ConcurrentHashMap<>();
  // From 127.0.1.10: 127.0.0.2-250 are the local kubelet's pod IPs.
  private final AtomicInteger next = new AtomicInteger((1 << 8) + 10);

  private final String systemEntries;

  public HostMapping(Path hostsFile) {
    this.hostsFile = hostsFile;
    String system;
    try {
      system = Files.readString(Path.of("/etc/hosts"));
    } catch (IOException e) {
      system = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n";
    }
    this.systemEntries = system.endsWith("\n") ? system : system + "\n";
    write();
  }

  public Path hostsFile() {
    return hostsFile;
  }

  /** Maps {@code host:port} to one fixed local port. */
  public synchronized String map(String host, int port, int localPort) {
    return map(host, port, () -> List.of(new InetSocketAddress("127.0.0.1", localPort)));
  }

  /**
   * Maps {@code host} (and its aliases) to a loopback address of its own and relays {@code port}
   * there to one of {@code backends} (tried in turn, first that accepts wins).
   *
   * @return the loopback address the name now resolves to
   */
  public synchronized String map(
      String host, int port, Supplier<List<InetSocketAddress>> backends, String... aliases) {
    String address = addressByHost.get(host);
    if (address == null) {
      int n = next.getAndIncrement();
      address = "127." + ((n >> 16) & 0xff) + "." + ((n >> 8) & 0xff) + "." + (n & 0xff);
      addressByHost.put(host, address);
    }
    for (String alias : aliases) {
      addressByHost.putIfAbsent(alias, address);
    }
    String key = address + ":" + port;
    if (!forwarders.containsKey(key)) {
      forwarders.put(key, new Forwarder(host, address, port, backends));
    }
    write();
    return address;
  }

  /** The loopback address {@code host} resolves to, or null when it is not mapped. */
  public synchronized String addressOf(String host) {
    return addressByHost.get(host);
  }

  private void write() {
    StringBuilder text = new StringBuilder(systemEntries);
    text.append("# added by the local system demo: in-cluster names -> loopback forwarders\n");
    addressByHost.forEach(
        (host, address) -> text.append(address).append(' ').append(host).append('\n'));
    byte[] bytes = text.toString().getBytes(StandardCharsets.US_ASCII);
    // Write beside and rename: the JDK re-reads the file on lookups and must never see half of it.
    try {
      Path next = hostsFile.resolveSibling(hostsFile.getFileName() + ".next");
      Files.write(next, bytes);
      Files.move(
          next, hostsFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + hostsFile, e);
    }
  }

  @Override
  public synchronized void close() {
    forwarders.values().forEach(Forwarder::close);
    forwarders.clear();
  }

  /** One listening socket; two virtual threads per relayed connection. */
  private static final class Forwarder implements AutoCloseable {
    private final String name;
    private final ServerSocket server;
    private final Supplier<List<InetSocketAddress>> backends;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicInteger roundRobin = new AtomicInteger();

    Forwarder(String host, String address, int port, Supplier<List<InetSocketAddress>> backends) {
      this.name = host + ":" + port;
      this.backends = backends;
      try {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getByName(address), port), 128);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot listen on " + address + ":" + port + " for " + name + ": " + e.getMessage(), e);
      }
      Thread.ofVirtual().name("forward-" + name).start(this::accept);
    }

    private void accept() {
      while (!server.isClosed()) {
        try {
          Socket client = server.accept();
          Thread.ofVirtual().start(() -> relay(client));
        } catch (IOException e) {
          if (!server.isClosed()) {
            log.debug("{}: accept failed: {}", name, e.getMessage());
          }
        }
      }
    }

    private void relay(Socket client) {
      List<InetSocketAddress> targets = new ArrayList<>(backends.get());
      Socket upstream = null;
      int start =
          targets.isEmpty() ? 0 : Math.floorMod(roundRobin.getAndIncrement(), targets.size());
      for (int i = 0; i < targets.size() && upstream == null; i++) {
        Socket candidate = new Socket();
        try {
          candidate.connect(targets.get((start + i) % targets.size()), 2000);
          upstream = candidate;
        } catch (IOException e) {
          closeQuietly(candidate);
        }
      }
      if (upstream == null) {
        closeQuietly(client); // like a Service without ready endpoints: connection refused/reset
        return;
      }
      open.add(client);
      open.add(upstream);
      Socket up = upstream;
      try {
        client.setTcpNoDelay(true);
        up.setTcpNoDelay(true);
      } catch (IOException ignored) {
        // best effort
      }
      Thread back = Thread.ofVirtual().start(() -> pipe(up, client));
      pipe(client, up);
      try {
        back.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      closeQuietly(client);
      closeQuietly(up);
      open.remove(client);
      open.remove(up);
    }

    /** Copies until EOF, then half-closes {@code to}; on an error closes both. */
    private static void pipe(Socket from, Socket to) {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          out.write(buffer, 0, n);
          out.flush();
        }
        to.shutdownOutput();
      } catch (IOException e) {
        closeQuietly(from);
        closeQuietly(to);
      }
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }

    @Override
    public void close() {
      try {
        server.close();
      } catch (IOException ignored) {
        // closing
      }
      open.forEach(Forwarder::closeQuietly);
    }
  }

  /** JVM options that make the JDK resolver read the hosts file. */
  public List<String> jvmOptions() {
    // a name looked up before its Service existed must not stay unknown for the default 10 s
    return List.of("-Djdk.net.hosts.file=" + hostsFile, "-Dsun.net.inetaddr.negative.ttl=1");
  }
}
