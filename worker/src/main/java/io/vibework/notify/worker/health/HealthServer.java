package io.vibework.notify.worker.health;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /healthz}, {@code /readyz}, {@code /readyz/subscriber} and {@code /metrics} on one port.
 * Checks run in parallel with a deadline so one hung dependency cannot stall the kubelet's probe.
 *
 * <p>{@code /readyz} asks every dependency (people, the operator and the start-up probe read it);
 * {@code /readyz/subscriber} only says whether this process consumes messages, so the readiness
 * probe never turns a shared dependency's outage into every pod going NotReady at once.
 */
public final class HealthServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HealthServer.class);
  private static final Duration CHECK_DEADLINE = Duration.ofSeconds(2);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String METRICS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<HealthCheck> checks;
  private final Supplier<Map<String, Object>> details;

  /** What {@code /readyz} found: each check's {@code ok}/{@code error}, and codes for failures. */
  public record Readiness(
      Map<String, String> checks, Map<String, String> reasons, Set<String> advisory) {
    public boolean ready() {
      return checks.entrySet().stream()
          .allMatch(c -> "ok".equals(c.getValue()) || advisory.contains(c.getKey()));
    }
  }

  private HealthServer(
      HttpServer server,
      ExecutorService executor,
      List<HealthCheck> checks,
      Supplier<Map<String, Object>> details) {
    this.server = server;
    this.executor = executor;
    this.checks = List.copyOf(checks);
    this.details = details;
  }

  /**
   * {@link #start(InetAddress, int, List, Supplier, BooleanSupplier, PrometheusMeterRegistry)} on
   * all interfaces.
   */
  public static HealthServer start(
      int port,
      List<HealthCheck> checks,
      Supplier<Map<String, Object>> details,
      BooleanSupplier consuming,
      PrometheusMeterRegistry registry)
      throws IOException {
    return start(null, port, checks, details, consuming, registry);
  }

  /**
   * Binds {@code port} (0 picks a free one) on {@code address}, or on all interfaces when it is
   * null, and starts answering.
   *
   * @param details extra top-level fields of {@code /readyz} (say {@code sesAccount})
   * @param consuming whether the Pub/Sub subscriber runs, for {@code /readyz/subscriber}
   */
  public static HealthServer start(
      InetAddress address,
      int port,
      List<HealthCheck> checks,
      Supplier<Map<String, Object>> details,
      BooleanSupplier consuming,
      PrometheusMeterRegistry registry)
      throws IOException {
    HttpServer http =
        HttpServer.create(
            address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port),
            64);
    ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    HealthServer health = new HealthServer(http, executor, checks, details);
    http.setExecutor(executor);
    http.createContext(
        "/healthz",
        exchange -> health.respond(exchange, 200, "{\"status\":\"ok\"}", "application/json"));
    http.createContext("/readyz", health::readyz);
    http.createContext(
        "/readyz/subscriber",
        exchange -> {
          boolean running = consuming.getAsBoolean();
          health.respond(
              exchange,
              running ? 200 : 503,
              running ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\"}",
              "application/json");
        });
    http.createContext(
        "/metrics",
        exchange ->
            health.respond(
                exchange,
                200,
                registry.scrape(METRICS_TEXT, namesAsked(exchange.getRequestURI())),
                METRICS_TEXT));
    http.start();
    return health;
  }

  /**
   * The families named by {@code name[]} query parameters (as Prometheus's own client libraries
   * serve them: a scrape config's {@code params}, or a tool that polls one counter), or null for
   * all.
   */
  static Set<String> namesAsked(URI uri) {
    String query = uri.getRawQuery();
    if (query == null) {
      return null;
    }
    Set<String> names = new HashSet<>();
    for (String parameter : query.split("&")) {
      int eq = parameter.indexOf('=');
      if (eq > 0
          && "name[]"
              .equals(URLDecoder.decode(parameter.substring(0, eq), StandardCharsets.UTF_8))) {
        String name = URLDecoder.decode(parameter.substring(eq + 1), StandardCharsets.UTF_8);
        names.add(name);
        // The registry knows a counter by its family name, the scrape shows it with _total.
        if (name.endsWith("_total")) {
          names.add(name.substring(0, name.length() - "_total".length()));
        }
      }
    }
    return names.isEmpty() ? null : names;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** Runs every check now; the maps keep the checks' order. */
  public Readiness runChecks() {
    Map<String, CompletableFuture<Optional<String>>> pending = new LinkedHashMap<>();
    for (HealthCheck check : checks) {
      pending.put(
          check.name(),
          CompletableFuture.supplyAsync(() -> run(check), executor)
              .completeOnTimeout(
                  Optional.of("timeout"), CHECK_DEADLINE.toMillis(), TimeUnit.MILLISECONDS));
    }
    Map<String, String> results = new LinkedHashMap<>();
    Map<String, String> reasons = new LinkedHashMap<>();
    pending.forEach(
        (name, result) -> {
          Optional<String> failure = result.join();
          results.put(name, failure.isEmpty() ? "ok" : "error");
          failure.filter(reason -> !reason.isEmpty()).ifPresent(r -> reasons.put(name, r));
        });
    Set<String> advisory = new HashSet<>();
    checks.stream().filter(c -> !c.gatesReadiness()).forEach(c -> advisory.add(c.name()));
    return new Readiness(results, reasons, advisory);
  }

  /** Empty when the check passed; else its reason code. */
  private Optional<String> run(HealthCheck check) {
    try {
      check.check();
      return Optional.empty();
    } catch (CheckFailed e) {
      return Optional.of(e.reason());
    } catch (Exception e) {
      log.atWarn()
          .addKeyValue("check", check.name())
          .addKeyValue("error", e.getClass().getSimpleName())
          .log("readiness check failed");
      // The exception's class name says enough and, unlike its message, never carries a secret.
      return Optional.of(e.getClass().getSimpleName());
    }
  }

  private void readyz(HttpExchange exchange) throws IOException {
    if (!"/readyz".equals(exchange.getRequestURI().getPath())) {
      respond(exchange, 404, "{\"error\":\"not found\"}", "application/json");
      return;
    }
    Readiness readiness = runChecks();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", readiness.ready() ? "ready" : "not_ready");
    body.put("checks", readiness.checks());
    if (!readiness.reasons().isEmpty()) {
      body.put("reasons", readiness.reasons());
    }
    body.putAll(details.get());
    respond(
        exchange, readiness.ready() ? 200 : 503, JSON.writeValueAsString(body), "application/json");
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
