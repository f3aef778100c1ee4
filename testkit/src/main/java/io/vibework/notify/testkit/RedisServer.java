package io.vibework.notify.testkit;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway {@code redis-server} (no persistence) on a free loopback port.
 *
 * <pre>{@code
 * @RegisterExtension static final RedisServer redis = new RedisServer();
 * @RegisterExtension static final RedisServer secured = new RedisServer().requirePassword("s3cret");
 * }</pre>
 */
public final class RedisServer extends ServerProcess<RedisServer> {

  static final String INSTALL_HINT = "run 'make deps' (apt-get install -y redis-server)";

  private Path binary;
  private String password;

  public RedisServer() {
    super("redis");
  }

  /** Makes clients authenticate ({@code requirepass}); call before the first start. */
  public RedisServer requirePassword(String password) {
    this.password = password;
    return this;
  }

  /** The password clients must send, or null when none is required. */
  public String password() {
    return password;
  }

  /** {@code redis://127.0.0.1:N} (no credentials in it: see {@link #password()}). */
  public String url() {
    return "redis://" + host() + ":" + port();
  }

  /**
   * Runs one command over a fresh connection (authenticating when a password is set) and returns
   * the reply as text: a status or bulk string as is, an integer in decimal, a nil as null, an
   * array as its elements joined by newlines.
   *
   * <pre>{@code redis.execute("GET", "vibe:user:u1"); redis.execute("TTL", "k"); // "3599"}</pre>
   *
   * @throws IllegalStateException on an error reply or when Redis cannot be reached
   */
  public String execute(String... command) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host(), port()), 2000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      InputStream in = new BufferedInputStream(socket.getInputStream());
      if (password != null) {
        out.write(command("AUTH", password));
        out.flush();
        readReply(in);
      }
      out.write(command(command));
      out.flush();
      return readReply(in);
    } catch (IOException e) {
      throw new IllegalStateException(
          "redis " + String.join(" ", command) + " on " + url() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  protected void verifyInstalled() {
    binary = findExecutable("redis-server", INSTALL_HINT);
  }

  @Override
  protected List<String> command(int port) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binary.toString(),
                "--port",
                String.valueOf(port),
                "--bind",
                Ports.LOOPBACK,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                directory().toString(),
                "--daemonize",
                "no",
                "--logfile",
                ""));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    return cmd;
  }

  @Override
  protected boolean isReady() throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host(), port()), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      if (password != null) {
        out.write(command("AUTH", password));
        out.flush();
        if (!readLine(in).startsWith("+OK")) {
          return false;
        }
      }
      out.write(command("PING"));
      out.flush();
      return readLine(in).equals("+PONG");
    }
  }

  private static byte[] command(String... args) {
    StringBuilder resp = new StringBuilder("*").append(args.length).append("\r\n");
    for (String arg : args) {
      resp.append('$')
          .append(arg.getBytes(StandardCharsets.UTF_8).length)
          .append("\r\n")
          .append(arg)
          .append("\r\n");
    }
    return resp.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String readReply(InputStream in) throws IOException {
    String line = readLine(in);
    if (line.isEmpty()) {
      throw new IOException("connection closed");
    }
    String rest = line.substring(1);
    switch (line.charAt(0)) {
      case '+', ':':
        return rest;
      case '-':
        throw new IllegalStateException("redis error: " + rest);
      case '$':
        {
          int length = Integer.parseInt(rest);
          if (length < 0) {
            return null;
          }
          byte[] bytes = in.readNBytes(length + 2); // data and CRLF
          return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
      case '*':
        {
          int count = Integer.parseInt(rest);
          if (count < 0) {
            return null;
          }
          List<String> items = new ArrayList<>();
          for (int i = 0; i < count; i++) {
            items.add(readReply(in));
          }
          return String.join("\n", items);
        }
      default:
        throw new IOException("unexpected redis reply: " + line);
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != -1 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }
}
