package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vibework.notify.testkit.Ports;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays the Deployment controller, the kubelet and kube-proxy for the operator's workers, with
 * local processes instead of pods.
 *
 * <p>It watches Deployments labelled {@code app.kubernetes.io/managed-by=notification-operator} and
 * runs {@code spec.replicas} {@code java -jar worker.jar} processes for each, with the container's
 * environment as a kubelet would build it ({@code envFrom} ConfigMaps and Secrets, {@code value},
 * {@code secretKeyRef}, {@code configMapKeyRef}, {@code fieldRef}), Secret volumes written to a
 * private folder, and the container port named {@code http} given a free local port through {@code
 * HTTP_PORT}. A changed pod template (the operator's {@code infra.vibework.io/inputs-hash}
 * annotation included) rolls the processes: new ones start, old ones stop once enough new ones are
 * ready. A process that exits is restarted with backoff. It probes each process's readiness path
 * and writes the Deployment status as the controller would ({@code replicas}, {@code
 * updatedReplicas}, {@code readyReplicas}, {@code availableReplicas}, {@code observedGeneration},
 * {@code Available} and {@code Progressing}), only when it changed.
 *
 * <p>Each process is also a Pod in the API (labels and spec from the template, {@code
 * status.podIP}, phase, {@code Ready} condition), deleted when the process is stopped. Its IP is a
 * loopback address of its own from the {@link HostMapping}, where a forwarder relays the container
 * ports (8080) to the process's real port, so the operator probes {@code http://<podIP>:8080} as on
 * a cluster. A {@code startupProbe} is honoured: readiness is probed only once it has passed.
 *
 * <p>Each Service of those workers gets its cluster DNS names in the {@link HostMapping}, relayed
 * to the ready processes behind it, so {@code http://<name>-worker.<ns>.svc:8080/readyz} works. A
 * Deployment whose controlling owner is gone is deleted, as the garbage collector would.
 *
 * <p>Logs name variables, never their values.
 */
public final class LocalRunner implements AutoCloseable {

  public static final String MANAGED_BY_KEY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "notification-operator";
  private static final Logger log = LoggerFactory.getLogger(LocalRunner.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param workerJar the jar every container runs (the image is not pulled)
   * @param jvmOptions extra options for each worker JVM
   */
  public record Options(
      Path workerJar, Path workDir, HostMapping hosts, List<String> jvmOptions, Duration tick) {}

  private final KubernetesClient client;
  private final Options options;
  private final Map<String, Workload> workloads = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "local-runner");
            t.setDaemon(true);
            return t;
          });
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(1))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private final AtomicInteger sequence = new AtomicInteger();
  private SharedIndexInformer<Deployment> deployments;
  private SharedIndexInformer<Service> services;
  private volatile boolean closed;

  public LocalRunner(KubernetesClient client, Options options) {
    this.client = client;
    this.options = options;
  }

  public LocalRunner start() {
    ResourceEventHandler<Object> nudge =
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Object obj) {
            wake();
          }

          @Override
          public void onUpdate(Object oldObj, Object newObj) {
            wake();
          }

          @Override
          public void onDelete(Object obj, boolean deletedFinalStateUnknown) {
            wake();
          }
        };
    deployments =
        client.apps().deployments().inAnyNamespace().withLabel(MANAGED_BY_KEY, MANAGED_BY).inform();
    services = client.services().inAnyNamespace().withLabel(MANAGED_BY_KEY, MANAGED_BY).inform();
    deployments.addEventHandler(cast(nudge));
    services.addEventHandler(cast(nudge));
    loop.scheduleWithFixedDelay(
        this::safeTick, 0, options.tick().toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  @SuppressWarnings("unchecked")
  private static <T> ResourceEventHandler<T> cast(ResourceEventHandler<Object> handler) {
    return (ResourceEventHandler<T>) (ResourceEventHandler<?>) handler;
  }

  private void wake() {
    if (!closed) {
      loop.execute(this::safeTick);
    }
  }

  /** Processes currently running for {@code namespace/deployment} (ready or not). */
  public List<WorkerProcess> workers(String namespace, String deployment) {
    Workload w = workloads.get(namespace + "/" + deployment);
    return w == null ? List.of() : List.copyOf(w.pods);
  }

  /** Every worker process of every Deployment. */
  public List<WorkerProcess> allWorkers() {
    return workloads.values().stream().flatMap(w -> w.pods.stream()).toList();
  }

  public Path logFile() {
    return options.workDir().resolve("runner.log");
  }

  // ---- the control loop -------------------------------------------------------------------

  private synchronized void safeTick() {
    if (closed) {
      return;
    }
    try {
      tick();
    } catch (RuntimeException e) {
      log.warn("local runner: {}: {}", e.getClass().getSimpleName(), e.getMessage());
    }
  }

  private void tick() {
    // Services first: a name must resolve before a Deployment reports a ready worker behind it.
    for (Service s : services.getStore().list()) {
      exposeService(s);
    }
    Map<String, Deployment> current = new LinkedHashMap<>();
    for (Deployment d : deployments.getStore().list()) {
      current.put(d.getMetadata().getNamespace() + "/" + d.getMetadata().getName(), d);
    }
    for (String key : List.copyOf(workloads.keySet())) {
      if (!current.containsKey(key)) {
        Workload gone = workloads.remove(key);
        log.info("deployment {} is gone: stopping its {} worker(s)", key, gone.pods.size());
        gone.pods.forEach(
            p -> {
              p.stop(Duration.ofSeconds(15));
              deletePod(p);
            });
      }
    }
    for (Map.Entry<String, Deployment> e : current.entrySet()) {
      Deployment d = e.getValue();
      if (ownerGone(d)) {
        continue;
      }
      workloads.computeIfAbsent(e.getKey(), k -> new Workload()).reconcile(d);
    }
  }

  /** The garbage collector's part: a Deployment whose controller owner no longer exists goes. */
  private boolean ownerGone(Deployment d) {
    var owner =
        d.getMetadata().getOwnerReferences().stream()
            .filter(o -> Boolean.TRUE.equals(o.getController()))
            .findFirst();
    if (owner.isEmpty()) {
      return false;
    }
    var ref = owner.get();
    String[] gv = ref.getApiVersion().split("/", 2);
    var ctx =
        new ResourceDefinitionContext.Builder()
            .withGroup(gv.length == 2 ? gv[0] : "")
            .withVersion(gv.length == 2 ? gv[1] : gv[0])
            .withKind(ref.getKind())
            .withPlural(ref.getKind().toLowerCase() + "s")
            .withNamespaced(true)
            .build();
    var found =
        client
            .genericKubernetesResources(ctx)
            .inNamespace(d.getMetadata().getNamespace())
            .withName(ref.getName())
            .get();
    if (found != null && Objects.equals(found.getMetadata().getUid(), ref.getUid())) {
      return false;
    }
    log.info(
        "deployment {}/{}: owner {} {} is gone; deleting it (garbage collection)",
        d.getMetadata().getNamespace(),
        d.getMetadata().getName(),
        ref.getKind(),
        ref.getName());
    client.resource(d).delete();
    return true;
  }

  private void exposeService(Service s) {
    String ns = s.getMetadata().getNamespace();
    String name = s.getMetadata().getName();
    Map<String, String> selector =
        s.getSpec().getSelector() == null ? Map.of() : s.getSpec().getSelector();
    for (ServicePort port : s.getSpec().getPorts()) {
      IntOrString target =
          port.getTargetPort() == null ? new IntOrString(port.getPort()) : port.getTargetPort();
      options
          .hosts()
          .map(
              name + "." + ns + ".svc",
              port.getPort(),
              () -> endpoints(ns, selector, target),
              name + "." + ns + ".svc.cluster.local",
              name + "." + ns);
    }
  }

  /** Ready processes whose pod labels match {@code selector}, at the port {@code target} names. */
  private List<InetSocketAddress> endpoints(
      String ns, Map<String, String> selector, IntOrString target) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Map.Entry<String, Workload> e : workloads.entrySet()) {
      if (!e.getKey().startsWith(ns + "/")) {
        continue;
      }
      for (WorkerProcess p : e.getValue().pods) {
        if (p.ready && !p.terminating && p.labels.entrySet().containsAll(selector.entrySet())) {
          Integer local = p.portFor(target);
          if (local != null) {
            out.add(new InetSocketAddress("127.0.0.1", local));
          }
        }
      }
    }
    return out;
  }

  // ---- one Deployment -----------------------------------------------------------------------

  private final class Workload {
    final List<WorkerProcess> pods = new CopyOnWriteArrayList<>();
    String lastStatus;
    final Map<String, String> transitions = new LinkedHashMap<>();
    String lastWaiting;

    void reconcile(Deployment d) {
      String ns = d.getMetadata().getNamespace();
      String name = d.getMetadata().getName();
      int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
      PodTemplateSpec template = d.getSpec().getTemplate();
      String hash = templateHash(template);

      // kubelet: restart what exited, with backoff; forget what we stopped
      for (WorkerProcess p : pods) {
        if (p.terminating && !p.alive()) {
          deletePod(p);
          pods.remove(p);
        } else if (!p.terminating && !p.alive() && Instant.now().isAfter(p.restartAt())) {
          log.info(
              "worker {} exited with code {}; restart #{} (log {})",
              p.name,
              p.exitCode(),
              p.restarts + 1,
              p.log);
          p.restart();
        }
      }
      // the kubelet: a stopped process's Pod goes; startup, then readiness probes
      for (WorkerProcess p : pods) {
        if (p.terminating) {
          deletePod(p);
          continue;
        }
        boolean alive = p.alive();
        if (alive && !p.started) {
          p.started = probe(p, p.startupPath, p.startupPort);
        }
        if (!alive) {
          p.started = false;
        }
        boolean ready = alive && p.started && probe(p, p.readinessPath, p.readinessPort);
        if (ready != p.ready || !p.published) {
          p.ready = ready;
          publishPod(d, p);
        }
      }
      List<WorkerProcess> updated =
          pods.stream().filter(p -> !p.terminating && p.hash.equals(hash)).toList();
      List<WorkerProcess> old =
          pods.stream().filter(p -> !p.terminating && !p.hash.equals(hash)).toList();
      // controller: scale the current template up or down
      for (int i = updated.size(); i < desired; i++) {
        WorkerProcess started = launch(d, template, hash);
        if (started == null) {
          break;
        }
      }
      updated = pods.stream().filter(p -> !p.terminating && p.hash.equals(hash)).toList();
      for (int i = updated.size() - 1; i >= desired; i--) {
        updated.get(i).stop(Duration.ofSeconds(15));
      }
      // rolling update: old processes go as new ones become ready
      long readyNew = updated.stream().filter(p -> p.ready).count();
      int keepOld = (int) Math.max(0, desired - readyNew);
      for (int i = 0; i < old.size() - keepOld; i++) {
        log.info("worker {} runs an old pod template: stopping it", old.get(i).name);
        old.get(i).stop(Duration.ofSeconds(15));
      }
      writeStatus(d, desired, hash);
    }

    WorkerProcess launch(Deployment d, PodTemplateSpec template, String hash) {
      String ns = d.getMetadata().getNamespace();
      String podName =
          d.getMetadata().getName()
              + "-"
              + hash.substring(0, 10)
              + "-"
              + Integer.toString(sequence.incrementAndGet(), 36);
      Container c = template.getSpec().getContainers().get(0);
      Map<String, String> env;
      Path podDir = options.workDir().resolve("pods").resolve(podName);
      try {
        Files.createDirectories(podDir);
        env = environment(ns, podName, template, c, podDir);
        lastWaiting = null;
      } catch (MissingReference e) {
        String waiting = "CreateContainerConfigError: " + e.getMessage();
        if (!waiting.equals(lastWaiting)) {
          log.warn(
              "deployment {}/{}: cannot start a worker yet: {}",
              ns,
              d.getMetadata().getName(),
              waiting);
          lastWaiting = waiting;
        }
        return null;
      } catch (IOException e) {
        log.warn("cannot prepare {}: {}", podDir, e.getMessage());
        return null;
      }
      Map<String, Integer> ports = new LinkedHashMap<>();
      List<ContainerPort> declared = c.getPorts() == null ? List.of() : c.getPorts();
      for (ContainerPort port : declared) {
        int local = Ports.free();
        ports.put(
            port.getName() == null ? String.valueOf(port.getContainerPort()) : port.getName(),
            local);
        ports.put(String.valueOf(port.getContainerPort()), local);
      }
      Integer httpPort = ports.get("http");
      if (httpPort != null) {
        env.put(
            "HTTP_PORT",
            String.valueOf(httpPort)); // the worker contract: its HTTP port comes from HTTP_PORT
      }
      String readiness =
          c.getReadinessProbe() != null && c.getReadinessProbe().getHttpGet() != null
              ? c.getReadinessProbe().getHttpGet().getPath()
              : "/readyz";
      IntOrString readinessPort =
          c.getReadinessProbe() != null && c.getReadinessProbe().getHttpGet() != null
              ? c.getReadinessProbe().getHttpGet().getPort()
              : new IntOrString("http");
      // No startupProbe: started at once (the readiness probe alone decides).
      String startup =
          c.getStartupProbe() != null && c.getStartupProbe().getHttpGet() != null
              ? c.getStartupProbe().getHttpGet().getPath()
              : null;
      IntOrString startupPort =
          c.getStartupProbe() != null && c.getStartupProbe().getHttpGet() != null
              ? c.getStartupProbe().getHttpGet().getPort()
              : readinessPort;
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(options.jvmOptions());
      command.addAll(options.hosts().jvmOptions());
      command.addAll(List.of("-jar", options.workerJar().toString()));
      WorkerProcess p =
          new WorkerProcess(
              podName,
              ns,
              d.getMetadata().getName(),
              hash,
              template.getMetadata().getLabels(),
              command,
              env,
              ports,
              readiness,
              readinessPort,
              startup,
              startupPort,
              options.workDir().resolve(podName + ".log"));
      p.template = template;
      p.start();
      pods.add(p);
      // The pod's own loopback IP: a forwarder per declared container port to the real port.
      for (ContainerPort port : declared) {
        Integer local = p.portFor(new IntOrString(port.getContainerPort()));
        p.podIp =
            options
                .hosts()
                .map(
                    podName + "." + ns + ".pod",
                    port.getContainerPort(),
                    () ->
                        p.alive() && !p.terminating
                            ? List.of(new InetSocketAddress("127.0.0.1", local))
                            : List.of());
      }
      log.info(
          "started worker {} for deployment {}/{} (pid {}, http 127.0.0.1:{}, env: {}; log {})",
          podName,
          ns,
          d.getMetadata().getName(),
          p.pid(),
          httpPort,
          String.join(",", env.keySet().stream().sorted().toList()),
          p.log);
      return p;
    }

    void writeStatus(Deployment d, int desired, String hash) {
      List<WorkerProcess> live = pods.stream().filter(p -> p.alive() && !p.terminating).toList();
      long updated = live.stream().filter(p -> p.hash.equals(hash)).count();
      long ready = live.stream().filter(p -> p.ready).count();
      long available = ready;
      long updatedReady = live.stream().filter(p -> p.ready && p.hash.equals(hash)).count();
      boolean complete = updatedReady >= desired && live.size() == desired;
      ObjectNode status = JSON.createObjectNode();
      status.put(
          "observedGeneration",
          d.getMetadata().getGeneration() == null ? 1 : d.getMetadata().getGeneration());
      status.put("replicas", live.size());
      status.put("updatedReplicas", updated);
      status.put("readyReplicas", ready);
      status.put("availableReplicas", available);
      if (desired - available > 0) {
        status.put("unavailableReplicas", desired - available);
      }
      ArrayNode conditions = status.putArray("conditions");
      boolean availableOk = available >= desired;
      condition(
          conditions,
          "Available",
          availableOk,
          availableOk ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          availableOk
              ? "Deployment has minimum availability."
              : "Deployment does not have minimum availability.");
      condition(
          conditions,
          "Progressing",
          true,
          complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
          complete
              ? "ReplicaSet \""
                  + d.getMetadata().getName()
                  + "-"
                  + hash.substring(0, 10)
                  + "\" has successfully progressed."
              : "ReplicaSet \""
                  + d.getMetadata().getName()
                  + "-"
                  + hash.substring(0, 10)
                  + "\" is progressing.");
      String text = status.toString();
      if (text.equals(lastStatus)) {
        return;
      }
      ObjectNode patch = JSON.createObjectNode();
      patch.set("status", status);
      client
          .apps()
          .deployments()
          .inNamespace(d.getMetadata().getNamespace())
          .withName(d.getMetadata().getName())
          .subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
      lastStatus = text;
      log.info(
          "deployment {}/{}: replicas={} updated={} ready={} available={}",
          d.getMetadata().getNamespace(),
          d.getMetadata().getName(),
          live.size(),
          updated,
          ready,
          available);
    }

    private void condition(
        ArrayNode conditions, String type, boolean ok, String reason, String message) {
      String key = type + "=" + ok;
      String since = transitions.get(type);
      if (since == null || !since.startsWith(key + "@")) {
        since = key + "@" + Instant.now().truncatedTo(ChronoUnit.SECONDS);
        transitions.put(type, since);
      }
      String at = since.substring(since.indexOf('@') + 1);
      ObjectNode c = conditions.addObject();
      c.put("type", type)
          .put("status", ok ? "True" : "False")
          .put("reason", reason)
          .put("message", message)
          .put("lastUpdateTime", at)
          .put("lastTransitionTime", at);
    }
  }

  // ---- the kubelet's report: a Pod per process ------------------------------------------------

  /** Creates or updates the process's Pod: template labels and spec, its IP, phase and Ready. */
  private void publishPod(Deployment d, WorkerProcess p) {
    if (p.template == null) {
      return;
    }
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    Pod pod =
        new PodBuilder()
            .withNewMetadata()
            .withName(p.name)
            .withNamespace(p.namespace)
            .withLabels(p.labels)
            .addNewOwnerReference()
            .withApiVersion("apps/v1")
            .withKind("ReplicaSet")
            .withName(d.getMetadata().getName() + "-" + p.hash.substring(0, 10))
            .withUid(d.getMetadata().getUid())
            .withController(true)
            .endOwnerReference()
            .endMetadata()
            .withSpec(p.template.getSpec())
            .withNewStatus()
            .withPhase(p.alive() ? "Running" : "Pending")
            .withPodIP(p.podIp)
            .withHostIP("127.0.0.1")
            .addNewCondition()
            .withType("Ready")
            .withStatus(p.ready ? "True" : "False")
            .withLastTransitionTime(now)
            .endCondition()
            .endStatus()
            .build();
    try {
      client.resource(pod).createOr(NonDeletingOperation::update);
      p.published = true;
    } catch (RuntimeException e) {
      log.warn("cannot write pod {}/{}: {}", p.namespace, p.name, e.getMessage());
    }
  }

  private void deletePod(WorkerProcess p) {
    if (p.published) {
      p.published = false;
      try {
        client.pods().inNamespace(p.namespace).withName(p.name).delete();
      } catch (RuntimeException e) {
        log.warn("cannot delete pod {}/{}: {}", p.namespace, p.name, e.getMessage());
      }
    }
  }

  private boolean probe(WorkerProcess p, String path, IntOrString target) {
    if (path == null) {
      return true;
    }
    Integer port = p.portFor(target);
    if (port == null) {
      return p.alive();
    }
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(2))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() >= 200 && r.statusCode() < 400;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  // ---- the kubelet's part: the container environment ------------------------------------------

  private static final class MissingReference extends Exception {
    MissingReference(String message) {
      super(message, null, false, false);
    }
  }

  private Map<String, String> environment(
      String ns, String podName, PodTemplateSpec template, Container c, Path podDir)
      throws MissingReference, IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
      String prefix = from.getPrefix() == null ? "" : from.getPrefix();
      if (from.getConfigMapRef() != null) {
        ConfigMap cm =
            client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get();
        if (cm == null) {
          if (Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
            continue;
          }
          throw new MissingReference(
              "configmap \"" + from.getConfigMapRef().getName() + "\" not found");
        }
        if (cm.getData() != null) {
          cm.getData().forEach((k, v) -> env.put(prefix + k, v));
        }
      }
      if (from.getSecretRef() != null) {
        Secret s = client.secrets().inNamespace(ns).withName(from.getSecretRef().getName()).get();
        if (s == null) {
          if (Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
            continue;
          }
          throw new MissingReference("secret \"" + from.getSecretRef().getName() + "\" not found");
        }
        secretData(s).forEach((k, v) -> env.put(prefix + k, v));
      }
    }
    for (EnvVar var : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
      if (var.getValueFrom() == null) {
        env.put(var.getName(), var.getValue() == null ? "" : var.getValue());
      } else if (var.getValueFrom().getSecretKeyRef() != null) {
        var ref = var.getValueFrom().getSecretKeyRef();
        Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
        String value = s == null ? null : secretData(s).get(ref.getKey());
        if (value == null) {
          if (Boolean.TRUE.equals(ref.getOptional())) {
            continue;
          }
          throw new MissingReference(
              s == null
                  ? "secret \"" + ref.getName() + "\" not found"
                  : "couldn't find key " + ref.getKey() + " in Secret " + ns + "/" + ref.getName());
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom().getConfigMapKeyRef() != null) {
        var ref = var.getValueFrom().getConfigMapKeyRef();
        ConfigMap cm = client.configMaps().inNamespace(ns).withName(ref.getName()).get();
        String value = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
        if (value == null) {
          if (Boolean.TRUE.equals(ref.getOptional())) {
            continue;
          }
          throw new MissingReference(
              "couldn't find key " + ref.getKey() + " in ConfigMap " + ns + "/" + ref.getName());
        }
        env.put(var.getName(), value);
      } else if (var.getValueFrom().getFieldRef() != null) {
        String field = var.getValueFrom().getFieldRef().getFieldPath();
        env.put(
            var.getName(),
            switch (field) {
              case "metadata.name" -> podName;
              case "metadata.namespace" -> ns;
              case "status.podIP", "status.hostIP" -> "127.0.0.1";
              default -> "";
            });
      }
    }
    // Secret volumes: written into the pod's folder; env values pointing into the mount follow
    Map<String, Volume> volumes = new LinkedHashMap<>();
    if (template.getSpec().getVolumes() != null) {
      template.getSpec().getVolumes().forEach(v -> volumes.put(v.getName(), v));
    }
    for (VolumeMount mount :
        c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
      Volume v = volumes.get(mount.getName());
      if (v == null || v.getSecret() == null) {
        continue;
      }
      Secret s = client.secrets().inNamespace(ns).withName(v.getSecret().getSecretName()).get();
      if (s == null) {
        throw new MissingReference(
            "secret \""
                + v.getSecret().getSecretName()
                + "\" not found (volume "
                + v.getName()
                + ")");
      }
      Path dir = Files.createDirectories(podDir.resolve("volumes").resolve(v.getName()));
      Map<String, String> data = secretData(s);
      List<KeyToPath> items = v.getSecret().getItems();
      if (items == null || items.isEmpty()) {
        for (var e : data.entrySet()) {
          Files.writeString(dir.resolve(e.getKey()), e.getValue());
        }
      } else {
        for (KeyToPath item : items) {
          if (data.containsKey(item.getKey())) {
            Files.writeString(dir.resolve(item.getPath()), data.get(item.getKey()));
          }
        }
      }
      String mountPath = mount.getMountPath();
      env.replaceAll(
          (k, value) ->
              value != null && value.startsWith(mountPath)
                  ? dir + value.substring(mountPath.length())
                  : value);
    }
    return env;
  }

  private static Map<String, String> secretData(Secret s) {
    Map<String, String> out = new LinkedHashMap<>();
    if (s.getData() != null) {
      s.getData()
          .forEach(
              (k, v) ->
                  out.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    }
    if (s.getStringData() != null) {
      out.putAll(s.getStringData());
    }
    return out;
  }

  /** Like the pod-template-hash: a change anywhere in the template rolls the workers. */
  static String templateHash(PodTemplateSpec template) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(JSON.writeValueAsBytes(template));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException | IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    loop.shutdownNow();
    if (deployments != null) {
      deployments.close();
    }
    if (services != null) {
      services.close();
    }
    List<WorkerProcess> all = allWorkers();
    all.forEach(p -> p.stop(Duration.ofSeconds(15)));
    all.forEach(p -> p.awaitExit(Duration.ofSeconds(20)));
    workloads.clear();
  }

  // ---- a worker process ---------------------------------------------------------------------

  /** One "pod": a worker JVM with its environment, ports and log. */
  public static final class WorkerProcess {
    final String name;
    final String namespace;
    final String deployment;
    final String hash;
    final Map<String, String> labels;
    final List<String> command;
    final Map<String, String> env;
    final Map<String, Integer> ports;
    final String readinessPath;
    final IntOrString readinessPort;
    final String startupPath;
    final IntOrString startupPort;
    final Path log;
    volatile String podIp;
    volatile PodTemplateSpec template;
    volatile boolean started;
    volatile boolean published;
    volatile Process process;
    volatile boolean ready;
    volatile boolean terminating;
    volatile int restarts;
    volatile Instant exitedAt;

    WorkerProcess(
        String name,
        String namespace,
        String deployment,
        String hash,
        Map<String, String> labels,
        List<String> command,
        Map<String, String> env,
        Map<String, Integer> ports,
        String readinessPath,
        IntOrString readinessPort,
        String startupPath,
        IntOrString startupPort,
        Path log) {
      this.name = name;
      this.namespace = namespace;
      this.deployment = deployment;
      this.hash = hash;
      this.labels = labels == null ? Map.of() : Map.copyOf(labels);
      this.command = List.copyOf(command);
      this.env = env;
      this.ports = Map.copyOf(ports);
      this.readinessPath = readinessPath;
      this.readinessPort = readinessPort;
      this.startupPath = startupPath;
      this.startupPort = startupPort;
      this.log = log;
    }

    public String name() {
      return name;
    }

    public boolean ready() {
      return ready;
    }

    public Path logFile() {
      return log;
    }

    /** The local port of the container port named {@code http}, or null. */
    public Integer httpPort() {
      return ports.get("http");
    }

    public String templateHash() {
      return hash;
    }

    Integer portFor(IntOrString target) {
      if (target == null) {
        return ports.get("http");
      }
      return target.getStrVal() != null
          ? ports.get(target.getStrVal())
          : ports.get(String.valueOf(target.getIntVal()));
    }

    void start() {
      try {
        ProcessBuilder builder =
            new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> e = builder.environment();
        String path = e.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        e.clear(); // a container sees its own environment only
        e.put("PATH", path);
        e.putAll(env);
        process = builder.start();
        exitedAt = null;
      } catch (IOException e) {
        throw new IllegalStateException("cannot start worker " + name + ": " + e.getMessage(), e);
      }
    }

    void restart() {
      restarts++;
      start();
    }

    boolean alive() {
      Process p = process;
      if (p != null && !p.isAlive() && exitedAt == null) {
        exitedAt = Instant.now();
      }
      return p != null && p.isAlive();
    }

    Integer exitCode() {
      Process p = process;
      return p == null || p.isAlive() ? null : p.exitValue();
    }

    /** CrashLoopBackOff, short: 1 s doubling to 30 s. */
    Instant restartAt() {
      Instant at = exitedAt == null ? Instant.now() : exitedAt;
      return at.plusSeconds(Math.min(30, 1L << Math.min(restarts, 5)));
    }

    long pid() {
      Process p = process;
      return p == null ? -1 : p.pid();
    }

    /** SIGTERM, then SIGKILL after {@code grace}, without blocking the caller. */
    void stop(Duration grace) {
      terminating = true;
      ready = false;
      Process p = process;
      if (p == null || !p.isAlive()) {
        return;
      }
      p.destroy();
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                  }
                } catch (InterruptedException e) {
                  p.destroyForcibly();
                }
              });
    }

    void awaitExit(Duration timeout) {
      Process p = process;
      if (p == null) {
        return;
      }
      try {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}
