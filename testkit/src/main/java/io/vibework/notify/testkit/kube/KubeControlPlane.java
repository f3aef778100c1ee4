package io.vibework.notify.testkit.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vibework.notify.testkit.ClassScopedServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real Kubernetes control plane on loopback, as envtest runs one: etcd, kube-apiserver (RBAC on,
 * audit log) and, when asked, kube-controller-manager. Nothing listens on 0.0.0.0; the Service IP
 * range is an allocation that nothing routes. Pods run only where a kubelet of the test's runs
 * them.
 *
 * <pre>{@code
 * @RegisterExtension static final KubeControlPlane kube = new KubeControlPlane();
 * @RegisterExtension static final KubeControlPlane kube =
 *     new KubeControlPlane().withControllerManager();
 * }</pre>
 *
 * <p>Why not fabric8's {@code kube-api-test}: it starts etcd and kube-apiserver only (no controller
 * manager, which the garbage collector and Deployment tests need), generates client certificates
 * with Bouncy Castle, and would still need our own process handling for the third binary; {@link
 * io.vibework.notify.testkit.ServerProcess} already gives every server here free ports, logs,
 * start-up failures with the log's tail, and a reaper.
 */
public final class KubeControlPlane extends ClassScopedServer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private boolean controllerManager;
  private final List<String> apiFlags = new ArrayList<>();
  private final List<String> controllerManagerFlags = new ArrayList<>();
  private final List<String> withoutControllers = new ArrayList<>();
  private EtcdServer etcd;
  private KubeApiServer api;
  private KubeControllerManager kcm;
  private KubernetesClient admin;
  private KubeBinaries binaries;

  /** Also runs kube-controller-manager (garbage collector, Deployments, ReplicaSets, ...). */
  public KubeControlPlane withControllerManager() {
    controllerManager = true;
    return this;
  }

  /** Passes a flag to kube-controller-manager, e.g. {@code --kube-api-qps=500}. */
  public KubeControlPlane withControllerManagerFlag(String flag) {
    controllerManager = true;
    controllerManagerFlags.add(flag);
    return this;
  }

  /**
   * Runs kube-controller-manager without the named controllers of its usual set, e.g. {@code
   * endpoints-controller}: with {@link LocalKubelet}'s loopback pod addresses, which kube-apiserver
   * refuses in Endpoints and EndpointSlices, those controllers only retry failed writes.
   */
  public KubeControlPlane withoutControllers(String... names) {
    for (String name : names) {
      if (!List.of(KubeControllerManager.CONTROLLERS.split(",")).contains(name)) {
        throw new IllegalArgumentException(
            name + " is not one of " + KubeControllerManager.CONTROLLERS);
      }
      withoutControllers.add(name);
    }
    controllerManager = true;
    return this;
  }

  /** Passes a flag to kube-apiserver, e.g. {@code --max-requests-inflight=800}. */
  public KubeControlPlane withApiServerFlag(String flag) {
    apiFlags.add(flag);
    return this;
  }

  @Override
  public synchronized KubeControlPlane start() {
    if (api != null) {
      return this;
    }
    binaries = KubeBinaries.locate();
    etcd = new EtcdServer(binaries).start();
    api = new KubeApiServer(binaries, etcd);
    apiFlags.forEach(api::flag);
    api.start();
    if (controllerManager) {
      kcm = new KubeControllerManager(binaries, api);
      controllerManagerFlags.forEach(kcm::flag);
      withoutControllers.forEach(kcm::without);
      kcm.start();
    }
    return this;
  }

  @Override
  public synchronized void close() {
    if (admin != null) {
      admin.close();
      admin = null;
    }
    if (kcm != null) {
      kcm.close();
      kcm = null;
    }
    if (api != null) {
      api.close();
      api = null;
    }
    if (etcd != null) {
      etcd.close();
      etcd = null;
    }
  }

  /** The binaries it runs and the version each reports. */
  public String versions() {
    running();
    return binaries.versions();
  }

  public String url() {
    return running().url();
  }

  public String adminToken() {
    return running().adminToken();
  }

  /** A client as {@code system:masters}; closed with the control plane. */
  public synchronized KubernetesClient adminClient() {
    if (admin == null) {
      admin = clientFor(adminToken());
    }
    return admin;
  }

  /** A new client authenticating with {@code token}; the caller closes it. */
  public KubernetesClient clientFor(String token) {
    return new KubernetesClientBuilder().withConfig(config(token)).build();
  }

  /** Client configuration for {@code token}, e.g. to hand to an operator under test. */
  public Config config(String token) {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url())
        .withOauthToken(token)
        .withTrustCerts(true)
        .withDisableHostnameVerification(true)
        .withNamespace("default")
        .build();
  }

  /** A token of the ServiceAccount (TokenRequest API, one hour), as a pod would be given. */
  public String serviceAccountToken(String namespace, String serviceAccount) {
    return adminClient()
        .serviceAccounts()
        .inNamespace(namespace)
        .withName(serviceAccount)
        .tokenRequest(
            new TokenRequestBuilder().withNewSpec().withExpirationSeconds(3600L).endSpec().build())
        .getStatus()
        .getToken();
  }

  /** Writes a kubeconfig for {@code token} (kubectl, helm, a child process). */
  public Path writeKubeconfig(Path file, String token) {
    try {
      return Kubeconfig.write(file, url(), token);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every request served so far, as the audit log recorded it, oldest first. */
  public List<AuditEvent> auditEvents() {
    return auditEvents(e -> true);
  }

  public List<AuditEvent> auditEvents(Predicate<AuditEvent> filter) {
    List<AuditEvent> events = new ArrayList<>();
    try (BufferedReader lines = Files.newBufferedReader(running().auditLog())) {
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node;
        try {
          node = JSON.readTree(line);
        } catch (IOException partialLastLine) {
          break;
        }
        AuditEvent event = AuditEvent.of(node);
        if (filter.test(event)) {
          events.add(event);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return events;
  }

  /** The API server's log (start-up problems, admission errors). */
  public Path apiServerLog() {
    return running().logFile();
  }

  private synchronized KubeApiServer running() {
    if (api == null) {
      throw new IllegalStateException("the control plane has not been started");
    }
    return api;
  }
}
