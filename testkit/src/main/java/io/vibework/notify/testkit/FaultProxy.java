package io.vibework.notify.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fault-injecting HTTP reverse proxy on a free loopback port, in front of a target base URI.
 * Requests are forwarded verbatim (method, path and query, headers except hop-by-hop ones, {@code
 * Host} and {@code Content-Length}, body) unless a fault is queued with {@link #failNext(int,
 * int)}: then the proxy answers itself with an AWS JSON-protocol error.
 *
 * <pre>{@code
 * @RegisterExtension static final SesEmulator ses = new SesEmulator();
 * @RegisterExtension static final FaultProxy sesProxy = new FaultProxy(ses::endpoint);
 * ...
 * sesProxy.failNext(2, 429); // two throttles, then through to SES
 * }</pre>
 *
 * <p>Other faults: {@link #failNextLikeSes} (SES v2's own error shape: the code only in {@code
 * x-amzn-ErrorType}), {@link #dropNextResponses} (forward, then close the connection before the
 * answer), {@link #afterNextForward} (run something the moment the target answered), and {@link
 * #faultsOnlyOn} to aim all of them at one path.
 *
 * <p>The target is resolved at each request, so it may come from a server started later. The proxy
 * changes {@code Host}, so a SigV4 signature no longer matches it: fine for emulators, which do not
 * check signatures. Thread-safe.
 */
public final class FaultProxy extends ClassScopedServer {

  private static final Logger LOG = LoggerFactory.getLogger(FaultProxy.class);

  /** Headers that are not forwarded (hop-by-hop, or set by the HTTP client itself). */
  private static final Set<String> SKIPPED_HEADERS =
      Set.of(
          "connection",
          "keep-alive",
          "proxy-authenticate",
          "proxy-authorization",
          "proxy-connection",
          "te",
          "trailer",
          "trailers",
          "transfer-encoding",
          "upgrade",
          "host",
          "content-length",
          "expect");

  /**
   * One queued fault: an answer the proxy gives itself ({@code errorTypeHeader} for {@code
   * x-amzn-ErrorType}, JSON {@code body}), or ({@code drop}) forward the request and close the
   * connection before the answer.
   */
  private record Fault(
      int status, String errorTypeHeader, Map<String, String> body, boolean drop) {}

  private final Supplier<URI> target;
  private final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger faultsServed = new AtomicInteger();
  private final ConcurrentLinkedQueue<Runnable> afterForward = new ConcurrentLinkedQueue<>();
  private volatile String faultPathPrefix = "/";
  private volatile String faultHeader;
  private volatile String faultHeaderValue;
  // Off unless a test asks: a benchmark pushes tens of thousands of requests through.
  private volatile boolean recording;
  private final ConcurrentLinkedQueue<Recorded> recorded = new ConcurrentLinkedQueue<>();
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private HttpServer server;
  private ExecutorService executor;
  private int port;

  public FaultProxy(URI target) {
    this(() -> target);
    Objects.requireNonNull(target, "target");
  }

  /**
   * @param target resolved at every request, e.g. {@code ses::endpoint}
   */
  public FaultProxy(Supplier<URI> target) {
    this.target = Objects.requireNonNull(target, "target");
  }

  /** Starts listening (on the same port as before after a {@link #close()}); no-op when running. */
  @Override
  public synchronized FaultProxy start() {
    if (server != null) {
      return this;
    }
    try {
      server = HttpServer.create(new InetSocketAddress(Ports.LOOPBACK, port), 64);
    } catch (IOException e) {
      throw new IllegalStateException(
          "fault proxy cannot listen on " + Ports.LOOPBACK + ":" + port, e);
    }
    port = server.getAddress().getPort();
    executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    return this;
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
      server = null;
      executor = null;
    }
  }

  /** {@code http://127.0.0.1:N}: use it in place of the target's base URI. */
  public synchronized URI uri() {
    if (port == 0) {
      throw new IllegalStateException("fault proxy has not been started");
    }
    return URI.create("http://" + Ports.LOOPBACK + ":" + port);
  }

  /**
   * The next {@code count} requests (counted across threads, after faults already queued) get
   * {@code status} with an AWS JSON error body: 429 {@code TooManyRequestsException} "Rate
   * exceeded", 503 {@code ServiceUnavailable}, other 5xx {@code InternalFailure}, 400 {@code
   * BadRequestException}, other 4xx {@code ClientException}.
   */
  public void failNext(int count, int status) {
    failNext(count, status, defaultErrorType(status), defaultMessage(status));
  }

  /** Like {@link #failNext(int, int)} with a chosen {@code __type} and message. */
  public void failNext(int count, int status, String errorType, String message) {
    queue(
        count,
        status,
        new Fault(status, errorType, Map.of("__type", errorType, "message", message), false));
  }

  /**
   * The next {@code count} requests get SES v2's own error shape: {@code status}, header {@code
   * x-amzn-ErrorType: CODE:http://internal.amazon.com/coral/com.amazonaws.sesv2/} and body {@code
   * {"message": ...}} (the code is only in the header), e.g. {@code 400 SendingPausedException}.
   */
  public void failNextLikeSes(int count, int status, String code, String message) {
    queue(
        count,
        status,
        new Fault(
            status,
            code + ":http://internal.amazon.com/coral/com.amazonaws.sesv2/",
            Map.of("message", message),
            false));
  }

  /**
   * The next {@code count} requests are forwarded, the target answers, and the proxy closes the
   * connection without passing the answer on: the caller cannot know whether the request took
   * effect.
   */
  public void dropNextResponses(int count) {
    queue(count, 200, new Fault(0, null, Map.of(), true));
  }

  /**
   * Runs {@code action} once, right after the target answered the next forwarded request and before
   * the answer goes back (say, to stop a database the moment SES accepted an email).
   */
  public void afterNextForward(Runnable action) {
    afterForward.add(Objects.requireNonNull(action, "action"));
  }

  private void queue(int count, int status, Fault fault) {
    if (count < 0 || status < 100 || status > 599) {
      throw new IllegalArgumentException("count " + count + ", status " + status);
    }
    for (int i = 0; i < count; i++) {
      faults.add(fault);
    }
  }

  /**
   * Faults and {@link #afterNextForward} hooks apply only to requests whose path starts with {@code
   * pathPrefix} (say SES's {@code /v2/email/outbound-emails}); others pass untouched. Default: all.
   */
  public FaultProxy faultsOnlyOn(String pathPrefix) {
    this.faultPathPrefix = Objects.requireNonNull(pathPrefix, "pathPrefix");
    return this;
  }

  /**
   * Faults and hooks apply only to requests with header {@code name} equal to {@code value}: AWS's
   * JSON protocols (SQS, say) post every action to {@code /} and name it in {@code X-Amz-Target}.
   */
  public FaultProxy faultsOnlyWithHeader(String name, String value) {
    this.faultHeader = Objects.requireNonNull(name, "name");
    this.faultHeaderValue = Objects.requireNonNull(value, "value");
    return this;
  }

  /** One request as the proxy received it, before any fault or forwarding. */
  public record Recorded(String method, String path, String body) {}

  /**
   * From now on keeps every request (method, path, body as UTF-8): what the client really sent,
   * including fields the target itself ignores (say message tags the SES emulator drops).
   */
  public FaultProxy recordRequests() {
    recording = true;
    return this;
  }

  /** Requests kept since {@link #recordRequests()}, oldest first. */
  public List<Recorded> recorded() {
    return List.copyOf(recorded);
  }

  /** Drops queued faults; counters stay. */
  public void clearFaults() {
    faults.clear();
  }

  /** Requests received so far, faulted or forwarded. */
  public int requestCount() {
    return requests.get();
  }

  /** Requests answered with an injected fault so far. */
  public int faultsServed() {
    return faultsServed.get();
  }

  @Override
  public String toString() {
    return "fault-proxy[" + Ports.LOOPBACK + ":" + port + "]";
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      requests.incrementAndGet();
      byte[] requestBody;
      try (InputStream in = exchange.getRequestBody()) {
        requestBody = in.readAllBytes();
      }
      if (recording) {
        recorded.add(
            new Recorded(
                exchange.getRequestMethod(),
                exchange.getRequestURI().getPath(),
                new String(requestBody, StandardCharsets.UTF_8)));
      }
      boolean targeted =
          exchange.getRequestURI().getPath().startsWith(faultPathPrefix)
              && (faultHeader == null
                  || faultHeaderValue.equals(exchange.getRequestHeaders().getFirst(faultHeader)));
      Fault fault = targeted ? faults.poll() : null;
      if (fault != null && !fault.drop()) {
        faultsServed.incrementAndGet();
        sendJson(exchange, fault.status(), fault.errorTypeHeader(), fault.body());
        return;
      }
      forward(exchange, requestBody, fault != null, targeted);
    } catch (RuntimeException e) {
      LOG.warn(
          "fault proxy failed on {} {}", exchange.getRequestMethod(), exchange.getRequestURI(), e);
      throw e;
    }
  }

  private void forward(HttpExchange exchange, byte[] body, boolean dropAnswer, boolean targeted)
      throws IOException {
    URI base = target.get();
    String raw = exchange.getRequestURI().getRawPath();
    String query = exchange.getRequestURI().getRawQuery();
    String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    URI uri =
        URI.create(
            base.getScheme()
                + "://"
                + base.getRawAuthority()
                + basePath
                + raw
                + (query == null ? "" : "?" + query));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(60))
            .method(
                exchange.getRequestMethod(),
                body.length == 0
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(body));
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      if (SKIPPED_HEADERS.contains(header.getKey().toLowerCase(Locale.ROOT))) {
        continue;
      }
      for (String value : header.getValue()) {
        request.header(header.getKey(), value);
      }
    }
    HttpResponse<byte[]> response;
    try {
      response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      sendJson(
          exchange,
          502,
          "BadGateway",
          Map.of("__type", "BadGateway", "message", "fault proxy: " + uri + " unreachable"));
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sendJson(
          exchange,
          502,
          "BadGateway",
          Map.of("__type", "BadGateway", "message", "fault proxy: interrupted"));
      return;
    }
    Runnable action = targeted ? afterForward.poll() : null;
    if (action != null) {
      action.run();
    }
    if (dropAnswer) {
      faultsServed.incrementAndGet();
      // Closing the exchange before any response headers closes the connection itself.
      return;
    }
    response
        .headers()
        .map()
        .forEach(
            (name, values) -> {
              String lower = name.toLowerCase(Locale.ROOT);
              if (!SKIPPED_HEADERS.contains(lower) && !lower.startsWith(":")) {
                exchange.getResponseHeaders().put(name, values);
              }
            });
    byte[] answer = response.body();
    boolean noBody =
        answer.length == 0
            || "HEAD".equalsIgnoreCase(exchange.getRequestMethod())
            || response.statusCode() == 204
            || response.statusCode() == 304;
    exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : answer.length);
    if (!noBody) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(answer);
      }
    }
  }

  private static void sendJson(
      HttpExchange exchange, int status, String errorTypeHeader, Map<String, String> fields)
      throws IOException {
    String body;
    try {
      body = Http.JSON.writeValueAsString(fields);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.getResponseHeaders().set("x-amzn-ErrorType", errorTypeHeader);
    exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String defaultErrorType(int status) {
    return switch (status) {
      case 429 -> "TooManyRequestsException";
      case 400 -> "BadRequestException";
      case 503 -> "ServiceUnavailable";
      default -> status >= 500 ? "InternalFailure" : "ClientException";
    };
  }

  private static String defaultMessage(int status) {
    return switch (status) {
      case 429 -> "Rate exceeded";
      case 400 -> "Bad request";
      case 503 -> "Service unavailable";
      default -> status >= 500 ? "Internal failure" : "Client error";
    };
  }
}
