package io.vibework.notify.testkit.kube;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.vibework.notify.testkit.ClassScopedServer;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A minimal kubelet for a {@link KubeControlPlane}: one Node, {@value #NODE}, that stays Ready, and
 * the pods on it run as local processes.
 *
 * <p>There is no scheduler, so it binds every pod that has no node yet (the {@code pods/binding}
 * subresource). Each pod gets a loopback address of its own (127.0.0.2 to 127.0.0.250) as {@code
 * status.podIP}; the {@link Runtime} turns each container into a command line, which runs with the
 * environment the pod spec gives, resolved as a kubelet resolves it ({@link PodEnvironment}).
 * Status is written as a kubelet writes it: phase, the PodScheduled, Initialized, ContainersReady
 * and Ready conditions (Ready from the readiness probe), container statuses with their restart
 * count. A container that exits or fails its liveness probe is restarted with back-off. A deleted
 * pod gets SIGTERM, its grace period, then SIGKILL, and is then removed.
 *
 * <p>Probes are {@code httpGet} against {@code podIP:port}; their period is capped at one second so
 * that tests notice a change in one, not ten. Only 127.0.0.x addresses are used.
 *
 * <p>{@link #alwaysReady()} runs no process: pods are Running and Ready as soon as they are bound,
 * for tests of an operator that only needs its Deployments to become available.
 */
public final class LocalKubelet extends ClassScopedServer {

  public static final String NODE = "local-node";
  private static final Logger log = LoggerFactory.getLogger(LocalKubelet.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int FIRST_IP = 2;
  private static final int LAST_IP = 250;
  private static final int PROCESS_FREE_IPS = 250 * 250;
  private static final Duration HEARTBEAT = Duration.ofSeconds(10);
  private static final Duration SYNC = Duration.ofMillis(500);
  private static final int WRITERS = 8;

  /** How a container runs here. */
  @FunctionalInterface
  public interface Runtime {
    /**
     * The command line of {@code container}. {@code env} is the container's environment as the pod
     * spec gives it, resolved; the runtime may add to it (say, the address to listen on).
     */
    List<String> command(Pod pod, Container container, String podIp, Map<String, String> env);

    /** {@code java [jvmOptions] -jar jar}, with the JDK running these tests. */
    static Runtime javaJar(Path jar, List<String> jvmOptions) {
      return (pod, container, podIp, env) -> {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        return command;
      };
    }
  }

  private final KubeControlPlane kube;
  private Runtime runtime;
  private boolean alwaysReady;
  private final Map<String, PodRun> pods = new ConcurrentHashMap<>();
  private final Set<String> heldNotReady = ConcurrentHashMap.newKeySet();
  private final BitSet usedIps = new BitSet();
  private final AtomicBoolean nudged = new AtomicBoolean();
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(1))
          .version(HttpClient.Version.HTTP_1_1)
          .build();
  private KubernetesClient client;
  private ScheduledExecutorService loop;
  // The API writes of one sync (bindings, pod statuses) go out in parallel: one after another, a
  // benchmark's 20,000 pods waited on the kubelet (6 statuses a second), as no real cluster's
  // kubelets, one per node, make them wait.
  private ExecutorService writers;
  private SharedIndexInformer<Pod> informer;
  private Path workDir;
  private Instant lastHeartbeat = Instant.EPOCH;

  public LocalKubelet(KubeControlPlane kube) {
    this.kube = kube;
  }

  /** Runs each container as the process {@code runtime} gives. */
  public LocalKubelet withRuntime(Runtime runtime) {
    this.runtime = runtime;
    return this;
  }

  /** Runs nothing: every pod is Running and Ready once bound (unless held by {@link #setReady}). */
  public LocalKubelet alwaysReady() {
    this.alwaysReady = true;
    return this;
  }

  /**
   * {@code false} holds the pod NotReady whatever its probe says; {@code true} lets the readiness
   * probe decide again.
   */
  public void setReady(String namespace, String pod, boolean ready) {
    if (ready) {
      heldNotReady.remove(namespace + "/" + pod);
    } else {
      heldNotReady.add(namespace + "/" + pod);
    }
    nudge();
  }

  /**
   * The environment the kubelet gave the running process of the pod's first container (what the
   * runtime added included), or null when none runs.
   */
  public Map<String, String> environment(String namespace, String pod) {
    for (PodRun run : pods.values()) {
      Pod p = run.pod;
      if (p.getMetadata().getNamespace().equals(namespace)
          && p.getMetadata().getName().equals(pod)) {
        ContainerRun c = run.containers.values().iterator().next();
        return c.alive() ? c.env : null;
      }
    }
    return null;
  }

  /** The folder with each container's log, {@code <namespace>_<pod>_<container>.log}. */
  public Path logDirectory() {
    return workDir;
  }

  @Override
  public synchronized LocalKubelet start() {
    if (loop != null) {
      return this;
    }
    if (runtime == null && !alwaysReady) {
      throw new IllegalStateException("LocalKubelet needs withRuntime(...) or alwaysReady()");
    }
    kube.start();
    try {
      workDir = Files.createTempDirectory("local-kubelet");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client = kube.clientFor(kube.adminToken());
    registerNode();
    loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "local-kubelet");
              t.setDaemon(true);
              return t;
            });
    informer =
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    nudge();
                  }

                  @Override
                  public void onUpdate(Pod oldPod, Pod newPod) {
                    nudge();
                  }

                  @Override
                  public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                    nudge();
                  }
                },
                0);
    writers =
        Executors.newFixedThreadPool(
            WRITERS,
            r -> {
              Thread t = new Thread(r, "local-kubelet-api");
              t.setDaemon(true);
              return t;
            });
    loop.scheduleWithFixedDelay(this::safeSync, 0, SYNC.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void nudge() {
    ScheduledExecutorService l = loop;
    if (l != null && nudged.compareAndSet(false, true)) {
      l.execute(this::safeSync);
    }
  }

  private void safeSync() {
    nudged.set(false);
    try {
      heartbeat();
      sync();
    } catch (RuntimeException e) {
      log.warn("kubelet sync failed: {}", e.getMessage());
    }
  }

  // ---- the node -------------------------------------------------------------------------------

  private void registerNode() {
    client
        .nodes()
        .resource(
            new NodeBuilder()
                .withNewMetadata()
                .withName(NODE)
                .addToLabels("kubernetes.io/hostname", NODE)
                .addToLabels("kubernetes.io/os", "linux")
                .endMetadata()
                .build())
        .createOr(existing -> existing.update());
    heartbeat();
  }

  /** Node status and the node's Lease, renewed as a kubelet does every ten seconds. */
  private void heartbeat() {
    Instant now = Instant.now();
    if (Duration.between(lastHeartbeat, now).compareTo(HEARTBEAT) < 0) {
      return;
    }
    String at = now.truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode status = JSON.createObjectNode();
    ObjectNode capacity = status.putObject("capacity");
    capacity.put("cpu", "2").put("memory", "24Gi").put("pods", "248");
    status.set("allocatable", capacity.deepCopy());
    status.putArray("addresses").addObject().put("type", "InternalIP").put("address", "127.0.0.1");
    ArrayNode conditions = status.putArray("conditions");
    conditions
        .addObject()
        .put("type", "Ready")
        .put("status", "True")
        .put("reason", "KubeletReady")
        .put("message", "local kubelet is posting ready status")
        .put("lastHeartbeatTime", at)
        .put("lastTransitionTime", at);
    status.putObject("nodeInfo").put("kubeletVersion", "local").put("operatingSystem", "linux");
    ObjectNode patch = JSON.createObjectNode();
    patch.set("status", status);
    client
        .nodes()
        .withName(NODE)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
    String renew = ZonedDateTime.now().truncatedTo(ChronoUnit.MICROS).toString();
    Lease lease =
        new LeaseBuilder()
            .withNewMetadata()
            .withName(NODE)
            .withNamespace("kube-node-lease")
            .endMetadata()
            .withNewSpec()
            .withHolderIdentity(NODE)
            .withLeaseDurationSeconds(40)
            .withRenewTime(ZonedDateTime.parse(renew))
            .endSpec()
            .build();
    client.leases().inNamespace("kube-node-lease").resource(lease).createOr(l -> l.update());
    lastHeartbeat = now;
  }

  /** The node's Lease renew time, as the API server has it. */
  public ZonedDateTime leaseRenewTime() {
    Lease lease = client.leases().inNamespace("kube-node-lease").withName(NODE).get();
    return lease == null ? null : lease.getSpec().getRenewTime();
  }

  // ---- pods -----------------------------------------------------------------------------------

  private void sync() {
    Map<String, Pod> seen = new HashMap<>();
    List<Callable<Void>> writes = new ArrayList<>();
    for (Pod pod : informer.getStore().list()) {
      String node = pod.getSpec().getNodeName();
      if (node == null || node.isEmpty()) {
        if (pod.getMetadata().getDeletionTimestamp() == null) {
          writes.add(
              () -> {
                bind(pod);
                return null;
              });
        }
        continue;
      }
      if (!NODE.equals(node)) {
        continue;
      }
      seen.put(pod.getMetadata().getUid(), pod);
      PodRun run = pods.get(pod.getMetadata().getUid());
      if (run == null) {
        if (pod.getMetadata().getDeletionTimestamp() != null) {
          remove(pod);
          continue;
        }
        run = admit(pod);
        if (run == null) {
          continue;
        }
      }
      run.pod = pod;
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        terminate(run);
      } else {
        Runnable write = run.tick();
        if (write != null) {
          writes.add(
              () -> {
                write.run();
                return null;
              });
        }
      }
    }
    try {
      // Each pod has at most one write per sync, so a pod's writes stay in order.
      writers.invokeAll(writes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    for (PodRun run : List.copyOf(pods.values())) {
      if (!seen.containsKey(run.uid)) {
        // Gone from the API without us (a forced delete): nothing may keep running for it.
        run.kill();
        forget(run);
      }
    }
  }

  private void bind(Pod pod) {
    try {
      client
          .resource(
              new BindingBuilder()
                  .withNewMetadata()
                  .withName(pod.getMetadata().getName())
                  .withNamespace(pod.getMetadata().getNamespace())
                  .withUid(pod.getMetadata().getUid())
                  .endMetadata()
                  .withNewTarget()
                  .withApiVersion("v1")
                  .withKind("Node")
                  .withName(NODE)
                  .endTarget()
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        log.warn("cannot bind {}: {}", key(pod), e.getMessage());
      }
    }
  }

  private PodRun admit(Pod pod) {
    String ip = allocateIp();
    if (ip == null) {
      log.warn("no loopback address left for {}", key(pod));
      return null;
    }
    PodRun run = new PodRun(pod, ip);
    pods.put(run.uid, run);
    log.info("pod {} on {}", key(pod), ip);
    return run;
  }

  private synchronized String allocateIp() {
    int next = usedIps.nextClearBit(FIRST_IP);
    // Processes bind their pod IP, so they get 127.0.0.x; pods that run nothing (a benchmark's
    // thousands) take 127.1.y.z, an address nothing listens on, as a real pod's would be here.
    int last = alwaysReady ? FIRST_IP + PROCESS_FREE_IPS : LAST_IP;
    if (next > last) {
      return null;
    }
    usedIps.set(next);
    if (!alwaysReady) {
      return "127.0.0." + next;
    }
    int n = next - FIRST_IP;
    return "127.1." + (n / 250) + "." + (n % 250 + 1);
  }

  private synchronized void releaseIp(String ip) {
    String[] octets = ip.split("\\.");
    int index =
        "0".equals(octets[1])
            ? Integer.parseInt(octets[3])
            : FIRST_IP + Integer.parseInt(octets[2]) * 250 + Integer.parseInt(octets[3]) - 1;
    usedIps.clear(index);
  }

  private void terminate(PodRun run) {
    if (run.terminatingSince == null) {
      run.terminatingSince = Instant.now();
      Long grace = run.pod.getMetadata().getDeletionGracePeriodSeconds();
      if (grace == null) {
        grace = run.pod.getSpec().getTerminationGracePeriodSeconds();
      }
      run.grace = Duration.ofSeconds(grace == null ? 30 : grace);
      run.containers.values().forEach(ContainerRun::term);
      log.info("pod {}: SIGTERM, grace {}", key(run.pod), run.grace);
    }
    boolean stopped = run.containers.values().stream().noneMatch(ContainerRun::alive);
    if (!stopped && Instant.now().isAfter(run.terminatingSince.plus(run.grace))) {
      log.info("pod {}: grace period over, SIGKILL", key(run.pod));
      run.kill();
      stopped = true;
    }
    if (stopped) {
      remove(run.pod);
      forget(run);
    }
  }

  private void remove(Pod pod) {
    try {
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .withGracePeriod(0)
          .delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        log.warn("cannot remove {}: {}", key(pod), e.getMessage());
      }
    }
  }

  private void forget(PodRun run) {
    if (pods.remove(run.uid) != null) {
      releaseIp(run.ip);
    }
  }

  private static String key(Pod pod) {
    return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
  }

  @Override
  public synchronized void close() {
    if (loop == null) {
      return;
    }
    loop.shutdownNow();
    writers.shutdownNow();
    try {
      loop.awaitTermination(10, TimeUnit.SECONDS);
      writers.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    informer.close();
    // Its store holds every pod; a closed kubelet keeps nothing of them.
    informer = null;
    List<PodRun> all = List.copyOf(pods.values());
    all.forEach(r -> r.containers.values().forEach(ContainerRun::term));
    all.forEach(r -> r.containers.values().forEach(c -> c.awaitExit(Duration.ofSeconds(20))));
    pods.clear();
    client.close();
    loop = null;
  }

  // ---- one pod ------------------------------------------------------------------------------

  private final class PodRun {
    final String uid;
    final String ip;
    final Instant startTime = Instant.now();
    final Map<String, ContainerRun> containers = new LinkedHashMap<>();
    final Map<String, String> transitions = new HashMap<>();
    volatile Pod pod;
    Instant terminatingSince;
    Duration grace;
    volatile String lastStatus;
    String waiting;

    PodRun(Pod pod, String ip) {
      this.uid = pod.getMetadata().getUid();
      this.ip = ip;
      this.pod = pod;
      for (Container c : pod.getSpec().getContainers()) {
        containers.put(c.getName(), new ContainerRun(this, c));
      }
    }

    /** Runs the containers' lifecycle; returns the status write this tick needs, if any. */
    Runnable tick() {
      if (!alwaysReady) {
        for (ContainerRun c : containers.values()) {
          c.tick();
        }
      }
      return writeStatus();
    }

    void kill() {
      containers.values().forEach(ContainerRun::kill);
    }

    Path log(Container c) {
      return workDir.resolve(
          pod.getMetadata().getNamespace()
              + "_"
              + pod.getMetadata().getName()
              + "_"
              + c.getName()
              + ".log");
    }

    Path podDir() {
      return workDir.resolve("pods").resolve(uid);
    }

    private Runnable writeStatus() {
      boolean held = heldNotReady.contains(key(pod));
      boolean running = alwaysReady || containers.values().stream().allMatch(c -> c.everStarted);
      boolean containersReady =
          !held && (alwaysReady || containers.values().stream().allMatch(c -> c.ready));
      ObjectNode status = JSON.createObjectNode();
      status.put("phase", running ? "Running" : "Pending");
      status.put("hostIP", "127.0.0.1");
      status.putArray("hostIPs").addObject().put("ip", "127.0.0.1");
      status.put("podIP", ip);
      status.putArray("podIPs").addObject().put("ip", ip);
      status.put("startTime", startTime.truncatedTo(ChronoUnit.SECONDS).toString());
      ArrayNode conditions = status.putArray("conditions");
      condition(conditions, "PodScheduled", true);
      condition(conditions, "Initialized", true);
      condition(conditions, "ContainersReady", containersReady);
      condition(conditions, "Ready", containersReady);
      ArrayNode statuses = status.putArray("containerStatuses");
      for (Container spec : pod.getSpec().getContainers()) {
        ContainerRun c = containers.get(spec.getName());
        ObjectNode s = statuses.addObject();
        s.put("name", spec.getName());
        s.put("image", spec.getImage());
        s.put("imageID", "");
        boolean up = alwaysReady || c.alive();
        s.put("ready", !held && (alwaysReady || c.ready));
        s.put("started", up);
        s.put("restartCount", c.restarts);
        ObjectNode state = s.putObject("state");
        if (up) {
          s.put("containerID", "local://" + (alwaysReady ? uid : c.pid()));
          state
              .putObject("running")
              .put(
                  "startedAt",
                  (alwaysReady ? startTime : c.startedAt)
                      .truncatedTo(ChronoUnit.SECONDS)
                      .toString());
        } else {
          ObjectNode w = state.putObject("waiting");
          w.put("reason", c.waitingReason());
          if (c.waitingMessage != null) {
            w.put("message", c.waitingMessage);
          }
        }
        if (c.lastExit != null) {
          s.putObject("lastState").putObject("terminated").setAll(c.lastExit);
        }
      }
      String text = status.toString();
      if (text.equals(lastStatus)) {
        return null;
      }
      ObjectNode patch = JSON.createObjectNode();
      patch.set("status", status);
      Pod target = pod;
      return () -> {
        try {
          // On the informer's copy: by name alone the client would GET the pod first.
          client
              .pods()
              .inNamespace(target.getMetadata().getNamespace())
              .resource(target)
              .subresource("status")
              .patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
          lastStatus = text;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 404) {
            log.warn("cannot write the status of {}: {}", key(target), e.getMessage());
          }
        }
      };
    }

    private void condition(ArrayNode conditions, String type, boolean ok) {
      String key = String.valueOf(ok);
      String since = transitions.get(type);
      if (since == null || !since.startsWith(key + "@")) {
        since = key + "@" + Instant.now().truncatedTo(ChronoUnit.SECONDS);
        transitions.put(type, since);
      }
      ObjectNode c = conditions.addObject();
      c.put("type", type)
          .put("status", ok ? "True" : "False")
          .put("lastProbeTime", (String) null)
          .put("lastTransitionTime", since.substring(since.indexOf('@') + 1));
      if (!ok) {
        c.put("reason", "ContainersNotReady");
      }
    }
  }

  // ---- one container ------------------------------------------------------------------------

  private final class ContainerRun {
    final PodRun pod;
    final Container spec;
    Process process;
    boolean everStarted;
    Instant startedAt;
    Instant exitedAt;
    int restarts;
    boolean ready;
    boolean startupPassed;
    int readinessFailures;
    int livenessFailures;
    Instant nextProbe = Instant.EPOCH;
    ObjectNode lastExit;
    String waitingMessage;
    String waitingReason = "ContainerCreating";
    boolean terminating;
    volatile Map<String, String> env;

    ContainerRun(PodRun pod, Container spec) {
      this.pod = pod;
      this.spec = spec;
    }

    boolean alive() {
      return process != null && process.isAlive();
    }

    long pid() {
      return process == null ? -1 : process.pid();
    }

    String waitingReason() {
      return waitingReason;
    }

    void tick() {
      if (terminating) {
        return;
      }
      if (process == null) {
        launch();
        return;
      }
      if (!process.isAlive()) {
        if (exitedAt == null) {
          exitedAt = Instant.now();
          recordExit(process.exitValue(), process.exitValue() == 0 ? "Completed" : "Error");
          ready = false;
          waitingReason = "CrashLoopBackOff";
          log.info(
              "pod {} container {} exited with {}",
              key(pod.pod),
              spec.getName(),
              process.exitValue());
        }
        if (Instant.now().isAfter(restartAt())) {
          restarts++;
          launch();
        }
        return;
      }
      probe();
    }

    /** Back-off as a kubelet's CrashLoopBackOff, shorter: 1 s doubling to 30 s. */
    private Instant restartAt() {
      return exitedAt.plusSeconds(Math.min(30, 1L << Math.min(restarts, 5)));
    }

    private void recordExit(int code, String reason) {
      lastExit = JSON.createObjectNode();
      lastExit.put("exitCode", code);
      lastExit.put("reason", reason);
      lastExit.put("startedAt", startedAt.truncatedTo(ChronoUnit.SECONDS).toString());
      lastExit.put("finishedAt", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    private void launch() {
      Map<String, String> env;
      try {
        env = new PodEnvironment(client, pod.pod, pod.ip, NODE).resolve(spec, pod.podDir());
      } catch (PodEnvironment.MissingReference e) {
        waitingReason = "CreateContainerConfigError";
        if (!e.getMessage().equals(waitingMessage)) {
          log.warn("pod {}: cannot start {}: {}", key(pod.pod), spec.getName(), e.getMessage());
        }
        waitingMessage = e.getMessage();
        return;
      }
      waitingMessage = null;
      List<String> command = runtime.command(pod.pod, spec, pod.ip, env);
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(pod.log(spec).toFile()));
      Map<String, String> e = builder.environment();
      String path = e.getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
      e.clear(); // a container sees its own environment only
      e.put("PATH", path);
      e.putAll(env);
      try {
        process = builder.start();
        this.env = Map.copyOf(env);
      } catch (IOException ex) {
        waitingReason = "RunContainerError";
        waitingMessage = ex.getMessage();
        return;
      }
      everStarted = true;
      startedAt = Instant.now();
      exitedAt = null;
      ready = false;
      startupPassed = spec.getStartupProbe() == null;
      readinessFailures = 0;
      livenessFailures = 0;
      Integer delay =
          spec.getReadinessProbe() == null
              ? null
              : spec.getReadinessProbe().getInitialDelaySeconds();
      nextProbe = startedAt.plusSeconds(delay == null ? 0 : delay);
      log.info(
          "pod {} container {}: pid {}, env {}, log {}",
          key(pod.pod),
          spec.getName(),
          process.pid(),
          String.join(",", env.keySet().stream().sorted().toList()),
          pod.log(spec));
    }

    private void probe() {
      Instant now = Instant.now();
      if (now.isBefore(nextProbe)) {
        return;
      }
      nextProbe = now.plus(SYNC);
      if (!startupPassed) {
        if (check(spec.getStartupProbe())) {
          startupPassed = true;
        } else {
          return;
        }
      }
      Probe readiness = spec.getReadinessProbe();
      if (readiness == null) {
        ready = true;
      } else if (check(readiness)) {
        readinessFailures = 0;
        ready = true;
      } else if (++readinessFailures >= threshold(readiness)) {
        ready = false;
      }
      Probe liveness = spec.getLivenessProbe();
      if (liveness != null && pastInitialDelay(liveness, now)) {
        if (check(liveness)) {
          livenessFailures = 0;
        } else if (++livenessFailures >= threshold(liveness)) {
          log.info(
              "pod {} container {}: liveness failed, restarting", key(pod.pod), spec.getName());
          kill();
          recordExit(137, "Error");
          exitedAt = Instant.now();
          waitingReason = "CrashLoopBackOff";
          ready = false;
        }
      }
    }

    private boolean pastInitialDelay(Probe p, Instant now) {
      Integer delay = p.getInitialDelaySeconds();
      return delay == null || !now.isBefore(startedAt.plusSeconds(delay));
    }

    private int threshold(Probe p) {
      return p.getFailureThreshold() == null ? 3 : p.getFailureThreshold();
    }

    private boolean check(Probe p) {
      HTTPGetAction get = p.getHttpGet();
      if (get == null) {
        return alive(); // exec and tcpSocket probes: not run here; a live process passes
      }
      Integer port = port(get.getPort());
      if (port == null) {
        return false;
      }
      String path = get.getPath() == null ? "/" : get.getPath();
      long timeout = p.getTimeoutSeconds() == null ? 1 : p.getTimeoutSeconds();
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + pod.ip + ":" + port + path))
                    .timeout(Duration.ofSeconds(timeout))
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

    private Integer port(IntOrString port) {
      if (port == null) {
        return null;
      }
      if (port.getStrVal() == null) {
        return port.getIntVal();
      }
      for (ContainerPort p : spec.getPorts() == null ? List.<ContainerPort>of() : spec.getPorts()) {
        if (port.getStrVal().equals(p.getName())) {
          return p.getContainerPort();
        }
      }
      return null;
    }

    void term() {
      terminating = true;
      ready = false;
      if (alive()) {
        process.destroy();
      }
    }

    void kill() {
      if (alive()) {
        process.destroyForcibly();
        try {
          process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    void awaitExit(Duration timeout) {
      if (process == null) {
        return;
      }
      try {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        kill();
        Thread.currentThread().interrupt();
      }
    }
  }
}
