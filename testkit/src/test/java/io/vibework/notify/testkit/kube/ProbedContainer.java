package io.vibework.notify.testkit.kube;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What {@link LocalKubeletTest}'s pods run: an HTTP server on {@code POD_IP:8080} that serves its
 * environment at {@code /env}, {@code /healthz} until {@code POST /break}, and {@code /readyz}. On
 * SIGTERM it writes {@code $TERM_FILE} and, with {@code HANG_SECONDS}, keeps running that long, as
 * a slow shutdown would.
 */
public final class ProbedContainer {

  private ProbedContainer() {}

  public static void main(String[] args) throws IOException {
    AtomicBoolean broken = new AtomicBoolean();
    HttpServer server =
        HttpServer.create(
            new InetSocketAddress(InetAddress.getByName(System.getenv("POD_IP")), 8080), 0);
    server.createContext(
        "/env",
        exchange -> {
          StringBuilder out = new StringBuilder();
          new TreeMap<>(System.getenv())
              .forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
          byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/healthz",
        exchange -> {
          exchange.sendResponseHeaders(broken.get() ? 500 : 200, -1);
          exchange.close();
        });
    server.createContext(
        "/break",
        exchange -> {
          broken.set(true);
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        });
    server.createContext(
        "/readyz",
        exchange -> {
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    String termFile = System.getenv("TERM_FILE");
                    if (termFile != null) {
                      Files.writeString(Path.of(termFile), "SIGTERM\n");
                    }
                    String hang = System.getenv("HANG_SECONDS");
                    if (hang != null) {
                      Thread.sleep(Long.parseLong(hang) * 1000);
                    }
                  } catch (IOException | InterruptedException e) {
                    // exiting anyway
                  }
                }));
  }
}
