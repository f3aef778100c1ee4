package io.vibework.notify.testkit.kube;

import java.net.http.HttpClient;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The control plane serves TLS with certificates it made itself at start-up; its readiness checks
 * trust them blindly. Only ever pointed at our own loopback processes.
 */
final class Tls {

  private Tls() {}

  static HttpClient insecureClient() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {new TrustAll()}, null);
      SSLParameters parameters = new SSLParameters();
      parameters.setEndpointIdentificationAlgorithm(null);
      return HttpClient.newBuilder()
          .sslContext(context)
          .sslParameters(parameters)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class TrustAll implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
