package io.vibework.notify.operator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The operator's own /healthz, /readyz and /metrics, on the JDK's HTTP server to keep the jar lean.
 */
public final class OperatorHttpServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor;

  private OperatorHttpServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * @param port 0 picks a free port
   * @param live false once the operator can no longer make progress (an informer died)
   * @param ready true once the controllers started (or, on a standby replica, once it is waiting
   *     for the lease)
   */
  public static OperatorHttpServer start(
      int port, BooleanSupplier live, BooleanSupplier ready, PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
    ExecutorService executor =
        Executors.newFixedThreadPool(
            2, r -> Thread.ofPlatform().daemon().name("operator-http").unstarted(r));
    server.setExecutor(executor);
    server.createContext(
        "/healthz",
        ex ->
            answer(
                ex,
                live.getAsBoolean() ? 200 : 503,
                live.getAsBoolean() ? "{\"status\":\"ok\"}" : "{\"status\":\"failing\"}",
                "application/json"));
    server.createContext(
        "/readyz",
        ex ->
            answer(
                ex,
                ready.getAsBoolean() ? 200 : 503,
                ready.getAsBoolean() ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}",
                "application/json"));
    server.createContext(
        "/metrics",
        ex -> answer(ex, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    server.start();
    return new OperatorHttpServer(server, executor);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, int code, String body, String contentType)
      throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())
          && !"HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
