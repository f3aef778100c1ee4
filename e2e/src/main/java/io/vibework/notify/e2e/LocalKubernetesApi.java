package io.vibework.notify.e2e;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A local Kubernetes API on loopback (plain HTTP): fabric8's {@link KubernetesMockServer} in CRUD
 * mode behind {@link LocalApiDispatcher}, so {@code kubectl apply -f crds/}, {@code kubectl apply
 * -f examples/} and {@code kubectl get} (printer columns included) work against it, and a
 * kubeconfig file for kubectl and for {@code operator.jar} ({@code KUBECONFIG}).
 *
 * <p>What it is not: no admission (schema, CEL, defaults are not applied), no server-side apply or
 * strategic merge patch (kubectl's client-side apply creates objects fine; re-applying a changed
 * built-in kind needs {@code kubectl replace}), no garbage collector and no controllers: the {@link
 * LocalRunner} plays the Deployment controller and the kubelet.
 */
public final class LocalKubernetesApi implements AutoCloseable {

  private final KubernetesMockServer server;
  private final LocalApiDispatcher dispatcher;
  private final KubernetesClient client;
  private final Path kubeconfig;
  private final Thread drain;
  private final AtomicLong requests = new AtomicLong();
  // Held so the level sticks (JUL keeps loggers weakly); the mock logs every request at INFO.
  private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

  private LocalKubernetesApi(
      KubernetesMockServer server, LocalApiDispatcher dispatcher, Path kubeconfig) {
    this.server = server;
    this.dispatcher = dispatcher;
    this.kubeconfig = kubeconfig;
    this.client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(null, read(kubeconfig), kubeconfig.toString()))
            .build();
    // The mock keeps every request it served; drop them so a long demo does not grow.
    this.drain =
        Thread.ofPlatform()
            .daemon()
            .name("local-api-request-log")
            .start(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      if (server.takeRequest(1, TimeUnit.SECONDS) != null) {
                        requests.incrementAndGet();
                      }
                    }
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
  }

  /** Starts on a free loopback port and writes {@code <dir>/kubeconfig}. */
  public static LocalKubernetesApi start(Path dir) {
    MOCK_LOG.setLevel(Level.WARNING);
    KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of());
    LocalApiDispatcher dispatcher = new LocalApiDispatcher(crud, Clock.systemUTC());
    KubernetesMockServer server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    String hostPort = "127.0.0.1:" + server.getPort();
    dispatcher.serverAddress(hostPort);
    try {
      Files.createDirectories(dir);
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(
          kubeconfig,
          """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: local
                      cluster:
                        server: http://%s
                    contexts:
                    - name: local
                      context:
                        cluster: local
                        user: local
                        namespace: default
                    current-context: local
                    users:
                    - name: local
                      user: {}
                    """
              .formatted(hostPort));
      return new LocalKubernetesApi(server, dispatcher, kubeconfig);
    } catch (IOException e) {
      server.destroy();
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:N} */
  public String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A client of this API (shared; closed with it). */
  public KubernetesClient client() {
    return client;
  }

  /** Writes (any method but GET) served since the last call, as "METHOD path". */
  public List<String> drainWrites() {
    return dispatcher.drainWrites();
  }

  /** Requests served so far (counted as the log is drained, so it may lag by a second). */
  public long requestCount() {
    return requests.get();
  }

  @Override
  public void close() {
    drain.interrupt();
    client.close();
    server.destroy();
  }
}
