package io.vibework.notify.testkit.kube;

import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * kube-controller-manager with the controllers a workload needs here: the garbage collector,
 * namespaces, Deployments and ReplicaSets, service accounts and their tokens, endpoints and
 * endpoint slices (a NotReady pod leaves its Service), disruption budgets. No node lifecycle (the
 * local kubelet's Node never goes stale), no scheduler: the kubelet binds pods itself.
 */
public final class KubeControllerManager extends ServerProcess<KubeControllerManager> {

  private final List<String> extraFlags = new ArrayList<>();
  private final List<String> controllers = new ArrayList<>(List.of(CONTROLLERS.split(",")));

  static final String CONTROLLERS =
      "garbage-collector-controller,namespace-controller,deployment-controller,"
          + "replicaset-controller,serviceaccount-controller,serviceaccount-token-controller,"
          + "endpoints-controller,endpointslice-controller,disruption-controller";

  private final KubeBinaries binaries;
  private final KubeApiServer api;
  private final HttpClient http = Tls.insecureClient();

  KubeControllerManager(KubeBinaries binaries, KubeApiServer api) {
    super("kube-controller-manager");
    this.binaries = binaries;
    this.api = api;
  }

  @Override
  protected void verifyInstalled() {
    binaries.controllerManager();
  }

  @Override
  protected void prepare() {
    try {
      Kubeconfig.write(kubeconfig(), api.url(), api.adminToken());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path kubeconfig() {
    return directory().resolve("kubeconfig");
  }

  /** An extra flag, e.g. {@code --kube-api-qps=500} for a benchmark's thousands of objects. */
  void flag(String flag) {
    extraFlags.add(flag);
  }

  /** Leaves a controller of {@link #CONTROLLERS} out. */
  void without(String controller) {
    controllers.remove(controller);
  }

  @Override
  protected List<String> command(int port) {
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            binaries.controllerManager().toString(),
            "--kubeconfig=" + kubeconfig(),
            "--authentication-kubeconfig=" + kubeconfig(),
            "--authorization-kubeconfig=" + kubeconfig(),
            "--bind-address=" + Ports.LOOPBACK,
            "--secure-port=" + port,
            "--cert-dir=" + directory().resolve("certs"),
            "--controllers=" + String.join(",", controllers),
            "--service-account-private-key-file=" + api.serviceAccountKey(),
            "--use-service-account-credentials=false",
            "--leader-elect=false",
            // A test waits for each step: the controllers act on the first event, not after a
            // batch.
            "--concurrent-gc-syncs=5",
            "--profiling=false",
            "--v=0"));
    cmd.addAll(extraFlags);
    return cmd;
  }

  @Override
  protected boolean isReady() throws Exception {
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("https://" + host() + ":" + port() + "/healthz"))
                .timeout(Duration.ofSeconds(2))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return health.statusCode() == 200;
  }

  @Override
  protected Duration startupTimeout() {
    return Duration.ofSeconds(90);
  }
}
