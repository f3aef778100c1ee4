package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FaultProxyTest {

  static HttpServer target;
  static final AtomicReference<String> seen = new AtomicReference<>();

  @BeforeAll
  static void startTarget() throws IOException {
    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          seen.set(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI()
                  + " "
                  + exchange.getRequestHeaders().getFirst("X-Trace")
                  + " "
                  + body);
          byte[] answer = "{\"MessageId\":\"m-1\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("Content-Type", "application/json");
          exchange.getResponseHeaders().set("X-Upstream", "yes");
          exchange.sendResponseHeaders(200, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    target.start();
  }

  @AfterAll
  static void stopTarget() {
    target.stop(0);
  }

  @Test
  void twoThrottlesThenForwarded() throws Exception {
    URI targetUri = URI.create("http://127.0.0.1:" + target.getAddress().getPort());
    try (FaultProxy proxy = new FaultProxy(targetUri).start();
        HttpClient client = HttpClient.newHttpClient()) {
      proxy.failNext(2, 429);
      HttpRequest request =
          HttpRequest.newBuilder(proxy.uri().resolve("/v2/email/outbound-emails?x=1"))
              .header("X-Trace", "t-42")
              .POST(HttpRequest.BodyPublishers.ofString("{\"hello\":1}"))
              .build();

      for (int i = 0; i < 2; i++) {
        HttpResponse<String> throttled = client.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(throttled.statusCode()).isEqualTo(429);
        assertThat(throttled.headers().firstValue("x-amzn-ErrorType"))
            .hasValue("TooManyRequestsException");
        assertThat(throttled.body())
            .contains("\"__type\":\"TooManyRequestsException\"")
            .contains("\"message\":\"Rate exceeded\"");
      }
      assertThat(seen.get()).isNull();

      HttpResponse<String> ok = client.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("{\"MessageId\":\"m-1\"}");
      assertThat(ok.headers().firstValue("X-Upstream")).hasValue("yes");
      assertThat(seen.get()).isEqualTo("POST /v2/email/outbound-emails?x=1 t-42 {\"hello\":1}");

      assertThat(proxy.requestCount()).isEqualTo(3);
      assertThat(proxy.faultsServed()).isEqualTo(2);
    }
  }

  @Test
  void sesShapedErrorsDroppedAnswersHooksAndAPathFilter() throws Exception {
    URI targetUri = URI.create("http://127.0.0.1:" + target.getAddress().getPort());
    try (FaultProxy proxy =
            new FaultProxy(targetUri).faultsOnlyOn("/v2/email/outbound-emails").start();
        HttpClient client = HttpClient.newHttpClient()) {
      HttpRequest send =
          HttpRequest.newBuilder(proxy.uri().resolve("/v2/email/outbound-emails"))
              .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}"))
              .build();
      HttpRequest account =
          HttpRequest.newBuilder(proxy.uri().resolve("/v2/email/account")).GET().build();

      proxy.failNextLikeSes(1, 400, "SendingPausedException", "Sending is paused");
      assertThat(client.send(account, HttpResponse.BodyHandlers.ofString()).statusCode())
          .as("outside the path filter: forwarded, fault kept")
          .isEqualTo(200);
      HttpResponse<String> paused = client.send(send, HttpResponse.BodyHandlers.ofString());
      assertThat(paused.statusCode()).isEqualTo(400);
      assertThat(paused.headers().firstValue("x-amzn-ErrorType"))
          .hasValue("SendingPausedException:http://internal.amazon.com/coral/com.amazonaws.sesv2/");
      assertThat(paused.body()).isEqualTo("{\"message\":\"Sending is paused\"}");

      seen.set(null);
      AtomicReference<String> seenWhenHookRan = new AtomicReference<>();
      proxy.afterNextForward(() -> seenWhenHookRan.set(seen.get()));
      proxy.dropNextResponses(1);
      assertThatThrownBy(() -> client.send(send, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(IOException.class);
      assertThat(seen.get())
          .as("the target got the request")
          .isEqualTo("POST /v2/email/outbound-emails null {\"n\":1}");
      assertThat(seenWhenHookRan.get())
          .as("the hook ran after the target answered")
          .isEqualTo(seen.get());
      assertThat(client.send(send, HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);
      assertThat(proxy.faultsServed()).isEqualTo(2);
    }
  }
}
