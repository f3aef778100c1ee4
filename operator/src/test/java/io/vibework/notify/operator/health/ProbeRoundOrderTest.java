package io.vibework.notify.operator.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.api.NotificationPipeline;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Probe rounds of one pipeline can finish out of order (a slow pod in the older round): the newer
 * round's answer stands, or the status would go back to pods that are gone.
 */
class ProbeRoundOrderTest {

  @Test
  void anOlderRoundThatAnswersLastDoesNotOverwriteANewerOne() throws Exception {
    HttpServer slow = server(1500, "{\"status\":\"ready\",\"checks\":{\"cache\":\"ok\"}}");
    HttpServer fast = server(0, "{\"status\":\"not_ready\",\"checks\":{\"cache\":\"error\"}}");
    NotificationPipeline pipeline = Fixtures.pipeline("ns", "orders", "cache", 1);
    AtomicReference<List<Pod>> pods = new AtomicReference<>(List.of(pod("old")));
    Map<String, HttpServer> byPod = Map.of("old", slow, "new", fast);
    WorkerHealthProber prober =
        new WorkerHealthProber(
            pod ->
                URI.create(
                    "http://127.0.0.1:"
                        + byPod.get(pod.getMetadata().getName()).getAddress().getPort()
                        + "/readyz"),
            Duration.ofMinutes(10),
            Clock.systemUTC(),
            id -> Optional.of(pipeline),
            p -> pods.get());
    prober.setEventHandler(event -> {});
    prober.start();
    try {
      prober.watch(pipeline);
      Thread.sleep(200);
      // The old pod was replaced while its probe is still waiting for an answer.
      pods.set(List.of(pod("new")));
      prober.watch(pipeline);
      ResourceID id = ResourceID.fromResource(pipeline);
      await().atMost(Duration.ofSeconds(5)).until(() -> prober.current(id).isPresent());

      Thread.sleep(2500);

      assertThat(prober.current(id).orElseThrow().health().checks().get("cache"))
          .as("the newer round's answer (the new pod's)")
          .startsWith("error");
    } finally {
      prober.stop();
      slow.stop(0);
      fast.stop(0);
    }
  }

  private static Pod pod(String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace("ns")
        .endMetadata()
        .withNewStatus()
        .withPhase("Running")
        .withPodIP("127.0.0.1")
        .endStatus()
        .build();
  }

  private static HttpServer server(long delayMillis, String body) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try {
            Thread.sleep(delayMillis);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, bytes.length);
          exchange.getResponseBody().write(bytes);
          exchange.close();
        });
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.start();
    return server;
  }
}
