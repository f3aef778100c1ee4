package io.vibework.notify.testkit.kube;

import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.ServerProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/** A single-member etcd on loopback, its data in its own temp folder, for one kube-apiserver. */
public final class EtcdServer extends ServerProcess<EtcdServer> {

  private final KubeBinaries binaries;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
  private int peerPort;

  public EtcdServer(KubeBinaries binaries) {
    super("etcd");
    this.binaries = binaries;
  }

  public String url() {
    return "http://" + host() + ":" + port();
  }

  @Override
  protected void verifyInstalled() {
    binaries.etcd();
  }

  @Override
  protected List<String> command(int port) {
    if (peerPort == 0) {
      peerPort = Ports.free();
    }
    String client = "http://" + Ports.LOOPBACK + ":" + port;
    String peer = "http://" + Ports.LOOPBACK + ":" + peerPort;
    return List.of(
        binaries.etcd().toString(),
        "--name=testkit",
        "--data-dir=" + directory().resolve("data"),
        "--listen-client-urls=" + client,
        "--advertise-client-urls=" + client,
        "--listen-peer-urls=" + peer,
        "--initial-advertise-peer-urls=" + peer,
        "--initial-cluster=testkit=" + peer,
        // Throwaway data: an fsync per write would make the API server's writes disk-bound.
        "--unsafe-no-fsync",
        "--log-level=warn");
  }

  @Override
  protected boolean isReady() throws Exception {
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create(url() + "/health"))
                .timeout(Duration.ofSeconds(2))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return health.statusCode() == 200 && health.body().contains("\"true\"");
  }
}
