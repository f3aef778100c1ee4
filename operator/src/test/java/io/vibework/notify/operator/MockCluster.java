package io.vibework.notify.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vibework.notify.operator.dependent.Quantities;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's API server mock in CRUD mode, with our CRDs applied from crds/ (what users apply), and
 * a log of the requests it served so tests can count writes. Like kube-apiserver, it stores the
 * container resource quantities of Deployments in canonical form ({@code 0.5} as {@code 500m}), so
 * an operator that writes anything else sees a difference on every reconcile.
 */
public final class MockCluster implements AutoCloseable {

  private static final Set<String> WRITES = Set.of("POST", "PUT", "PATCH", "DELETE");

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final List<String> seen = new ArrayList<>();
  // Held so the level sticks: JUL keeps loggers only weakly. The mock logs every request at INFO.
  private final Logger mockLog = Logger.getLogger("io.fabric8.mockwebserver");

  public MockCluster() {
    mockLog.setLevel(Level.WARNING);
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()) {
              @Override
              public MockResponse dispatch(RecordedRequest request) {
                return super.dispatch(canonicalQuantities(request));
              }
            },
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    applyCrds();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private static RecordedRequest canonicalQuantities(RecordedRequest request) {
    String path = request.getPath();
    if (!("POST".equals(request.getMethod()) || "PUT".equals(request.getMethod()))
        || path == null
        || !path.contains("/deployments")
        || path.contains("/status")) {
      return request;
    }
    try {
      JsonNode body = JSON.readTree(request.getBody().getBytes());
      for (JsonNode container :
          body.path("spec").path("template").path("spec").path("containers")) {
        for (String kind : List.of("requests", "limits")) {
          if (container.path("resources").path(kind) instanceof ObjectNode quantities) {
            quantities
                .properties()
                .forEach(
                    e -> e.setValue(new TextNode(Quantities.canonical(e.getValue().asText()))));
          }
        }
      }
      return new RecordedRequest(
          request.getHttpVersion(),
          request.method(),
          path,
          request.getHeaders(),
          new Buffer(JSON.writeValueAsBytes(body)));
    } catch (IOException | RuntimeException e) {
      return request;
    }
  }

  public static Path crdDirectory() {
    Path here = Path.of("").toAbsolutePath();
    // Maven runs tests in operator/; an IDE may run them from the repository root.
    for (Path candidate : List.of(here.resolve("../crds"), here.resolve("crds"))) {
      if (Files.isDirectory(candidate)) {
        return candidate.normalize();
      }
    }
    throw new IllegalStateException("crds/ not found from " + here);
  }

  private void applyCrds() {
    try (var files = Files.list(crdDirectory())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd =
              client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
          client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  public KubernetesMockServer server() {
    return server;
  }

  /** Requests served since the last call, as "METHOD path". */
  public synchronized List<String> drainRequests() {
    List<String> out = new ArrayList<>();
    try {
      RecordedRequest r;
      while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
        out.add(r.getMethod() + " " + r.getPath());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    seen.addAll(out);
    return out;
  }

  /** Discards the request log without keeping it (long runs). */
  public void drainRequestsQuietly() {
    try {
      while (server.takeRequest(1, TimeUnit.SECONDS) != null) {
        // discard
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public static List<String> writes(List<String> requests) {
    return requests.stream().filter(r -> WRITES.contains(r.substring(0, r.indexOf(' ')))).toList();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
