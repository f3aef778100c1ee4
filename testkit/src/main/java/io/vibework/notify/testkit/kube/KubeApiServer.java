package io.vibework.notify.testkit.kube;

import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * kube-apiserver on 127.0.0.1 over its own etcd: RBAC authorization, a static admin token (group
 * {@code system:masters}), a service-account signing key (so TokenRequest and the token controller
 * work), and an audit log of every request at Metadata level, from which tests count writes.
 */
public final class KubeApiServer extends ServerProcess<KubeApiServer> {

  /** An allocation range only: nothing is routed to it here, and nothing may send to it. */
  static final String SERVICE_CIDR = "10.96.0.0/24";

  private final KubeBinaries binaries;
  private final EtcdServer etcd;
  private final List<String> extraFlags = new ArrayList<>();
  private final HttpClient http = Tls.insecureClient();
  private final String adminToken = randomToken();

  KubeApiServer(KubeBinaries binaries, EtcdServer etcd) {
    super("kube-apiserver");
    this.binaries = binaries;
    this.etcd = etcd;
  }

  /** Adds a command-line flag (call before the first start). */
  KubeApiServer flag(String flag) {
    extraFlags.add(flag);
    return this;
  }

  public String url() {
    return "https://" + host() + ":" + port();
  }

  /** A bearer token of user {@code admin} in {@code system:masters}. */
  public String adminToken() {
    return adminToken;
  }

  public Path auditLog() {
    return directory().resolve("audit.log");
  }

  Path serviceAccountKey() {
    return directory().resolve("sa.key");
  }

  @Override
  protected void verifyInstalled() {
    binaries.apiServer();
  }

  @Override
  protected void prepare() {
    try {
      KeyPair keys = KeyPairGenerator.getInstance("RSA").generateKeyPair();
      Files.writeString(serviceAccountKey(), pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
      Files.writeString(
          directory().resolve("sa.pub"), pem("PUBLIC KEY", keys.getPublic().getEncoded()));
      Files.writeString(
          directory().resolve("tokens.csv"), adminToken + ",admin,admin,\"system:masters\"\n");
      Files.writeString(
          directory().resolve("audit-policy.yaml"),
          """
          apiVersion: audit.k8s.io/v1
          kind: Policy
          omitStages: ["RequestReceived"]
          rules:
          - level: Metadata
          """);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  protected List<String> command(int port) {
    Path dir = directory();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                binaries.apiServer().toString(),
                "--etcd-servers=" + etcd.url(),
                "--bind-address=" + Ports.LOOPBACK,
                "--advertise-address=" + Ports.LOOPBACK,
                "--secure-port=" + port,
                "--cert-dir=" + dir.resolve("certs"),
                "--service-cluster-ip-range=" + SERVICE_CIDR,
                // The kubernetes Service's endpoint would be 127.0.0.1, which the reconciler
                // refuses; nothing here reaches the API through that Service anyway.
                "--endpoint-reconciler-type=none",
                "--authorization-mode=RBAC",
                "--token-auth-file=" + dir.resolve("tokens.csv"),
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                "--service-account-key-file=" + dir.resolve("sa.pub"),
                "--service-account-signing-key-file=" + serviceAccountKey(),
                "--audit-policy-file=" + dir.resolve("audit-policy.yaml"),
                "--audit-log-path=" + auditLog(),
                "--audit-log-maxsize=0",
                "--profiling=false",
                "--v=0"));
    cmd.addAll(extraFlags);
    return cmd;
  }

  @Override
  protected boolean isReady() throws Exception {
    HttpResponse<String> ready =
        http.send(
            HttpRequest.newBuilder(URI.create(url() + "/readyz"))
                .header("Authorization", "Bearer " + adminToken)
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return ready.statusCode() == 200;
  }

  @Override
  protected Duration startupTimeout() {
    return Duration.ofSeconds(120);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static String randomToken() {
    byte[] bytes = new byte[24];
    new SecureRandom().nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
