package io.vibework.notify.worker.health;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /readyz} and {@code /metrics} on one port. Checks run in parallel with a
 * deadline so one hung dependency cannot stall the kubelet's probe.
 */
public final class HealthServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
  private static final Duration CHECK_DEADLINE = Duration.ofSeconds(2);

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<HealthCheck> checks;
  private final PrometheusMeterRegistry registry;

  private HealthServer(
      HttpServer server,
      ExecutorService executor,
      List<HealthCheck> checks,
      PrometheusMeterRegistry registry) {
    this.server = server;
    this.executor = executor;
    this.checks = List.copyOf(checks);
    this.registry = registry;
  }

  /** Binds {@code port} on all interfaces (0 picks a free one) and starts answering. */
  public static HealthServer start(
      int port, List<HealthCheck> checks, PrometheusMeterRegistry registry) throws IOException {
    HttpServer http = HttpServer.create(new InetSocketAddress(port), 64);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    HealthServer health = new HealthServer(http, executor, checks, registry);
    http.setExecutor(executor);
    http.createContext(
        "/healthz",
        exchange -> health.respond(exchange, 200, "{\"status\":\"ok\"}", "application/json"));
    http.createContext("/readyz", health::readyz);
    http.createContext(
        "/metrics",
        exchange ->
            health.respond(
                exchange, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    http.start();
    return health;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Runs every check now; the map keeps the checks' order and says {@code ok} or {@code error}. */
  public Map<String, String> runChecks() {
    Map<String, CompletableFuture<String>> pending = new LinkedHashMap<>();
    for (HealthCheck check : checks) {
      pending.put(
          check.name(),
          CompletableFuture.supplyAsync(() -> run(check), executor)
              .completeOnTimeout("error", CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
    }
    return pending.entrySet().stream()
        .collect(
            Collectors.toMap(
                Map.Entry::getKey, e -> e.getValue().join(), (a, b) -> a, LinkedHashMap::new));
  }

  private String run(HealthCheck check) {
    try {
      check.check();
      return "ok";
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("check", check.name())
          .addKeyValue("error", e.getClass().getSimpleName())
          .log("readiness check failed");
      return "error";
    }
  }

  private void readyz(HttpExchange exchange) throws IOException {
    Map<String, String> results = runChecks();
    boolean ready = results.values().stream().allMatch("ok"::equals);
    String body =
        results.entrySet().stream()
            .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
            .collect(
                Collectors.joining(
                    ",",
                    "{\"status\":\"" + (ready ? "ready" : "not_ready") + "\",\"checks\":{",
                    "}}"));
    respond(exchange, ready ? 200 : 503, body, "application/json");
  }

  private void respond(HttpExchange exchange, int status, String body, String contentType)
      throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", contentType);
      if ("HEAD".equals(exchange.getRequestMethod())) {
        exchange.sendResponseHeaders(status, -1);
        return;
      }
      exchange.sendResponseHeaders(status, bytes.length);
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
