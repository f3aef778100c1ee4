package io.vibework.notify.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SesEmulatorTest {

  @RegisterExtension static final SesEmulator ses = new SesEmulator();

  @RegisterExtension static final FaultProxy sesProxy = new FaultProxy(ses::endpoint);

  static final String SEND_EMAIL =
      """
            {"FromEmailAddress":"noreply@vibework.io",
             "Destination":{"ToAddresses":["ada@example.com"]},
             "Content":{"Simple":{"Subject":{"Data":"Welcome to VibeWork!","Charset":"UTF-8"},
               "Body":{"Html":{"Data":"<p>Welcome Ada!</p>","Charset":"UTF-8"},
                       "Text":{"Data":"Welcome Ada!","Charset":"UTF-8"}}}}}""";

  @Test
  void sentEmailIsReadBackFromTheStore() throws Exception {
    assertThat(ses.endpoint()).isEqualTo(URI.create("http://127.0.0.1:" + ses.port()));
    ses.clear();

    HttpResponse<String> response = send(ses.endpoint());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("MessageId");

    List<SesEmulator.SentEmail> emails = ses.emails();
    assertThat(emails).hasSize(1);
    SesEmulator.SentEmail email = emails.get(0);
    assertThat(email.from()).isEqualTo("noreply@vibework.io");
    assertThat(email.to()).containsExactly("ada@example.com");
    assertThat(email.subject()).isEqualTo("Welcome to VibeWork!");
    assertThat(email.htmlBody()).isEqualTo("<p>Welcome Ada!</p>");
    assertThat(email.textBody()).isEqualTo("Welcome Ada!");
    assertThat(response.body()).contains(email.messageId());

    ses.clear();
    assertThat(ses.emails()).isEmpty();
  }

  @Test
  void throttledThroughTheFaultProxyThenDelivered() throws Exception {
    ses.clear();
    sesProxy.failNext(1, 429);
    assertThat(send(sesProxy.uri()).statusCode()).isEqualTo(429);
    assertThat(ses.emails()).isEmpty();
    assertThat(send(sesProxy.uri()).statusCode()).isEqualTo(200);
    assertThat(ses.emails())
        .extracting(SesEmulator.SentEmail::subject)
        .containsExactly("Welcome to VibeWork!");
  }

  /** POSTs the SES v2 SendEmail JSON the way the AWS SDK does (minus a real signature). */
  static HttpResponse<String> send(URI endpoint) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(endpoint.resolve("/v2/email/outbound-emails"))
            .header("Content-Type", "application/json")
            .header(
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/ses/aws4_request, "
                    + "SignedHeaders=host, Signature=0")
            .POST(HttpRequest.BodyPublishers.ofString(SEND_EMAIL))
            .build();
    try (HttpClient client = HttpClient.newHttpClient()) {
      return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
  }
}
