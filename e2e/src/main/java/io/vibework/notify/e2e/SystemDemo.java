package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.Pod;
import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.testkit.kube.KubeControlPlane;
import io.vibework.notify.testkit.kube.Kubectl;
import io.vibework.notify.testkit.kube.LocalKubelet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code make demo}: the whole system on one machine. Local services, a real control plane (etcd,
 * kube-apiserver, kube-controller-manager on loopback), {@code kubectl apply} of {@code crds/} and
 * {@code examples/}, {@code operator.jar} reconciling as its own ServiceAccount, the local kubelet
 * running {@code worker.jar} for each pod the Deployment controller makes, notifications in, emails
 * out, and the resources' status as kubectl shows it.
 *
 * <pre>
 * java -cp ... io.vibework.notify.e2e.SystemDemo [--worker-jar P] [--operator-jar P] [--examples DIR] [--crds DIR] [--wait]
 * </pre>
 *
 * {@code --wait} keeps everything running after the demo (Ctrl-C stops it) so you can use the
 * printed {@code KUBECONFIG} with kubectl yourself. Everything started stops at the end and on
 * Ctrl-C.
 */
public final class SystemDemo {

  private SystemDemo() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of("").toAbsolutePath();
    Path workerJar = root.resolve("worker/target/worker.jar");
    Path operatorJar = root.resolve("operator/target/operator.jar");
    Path examples = null;
    Path crds = root.resolve("crds");
    boolean wait = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--worker-jar" -> workerJar = Path.of(args[++i]).toAbsolutePath();
        case "--operator-jar" -> operatorJar = Path.of(args[++i]).toAbsolutePath();
        case "--examples" -> examples = Path.of(args[++i]).toAbsolutePath();
        case "--crds" -> crds = Path.of(args[++i]).toAbsolutePath();
        case "--wait" -> wait = true;
        default -> {
          System.err.println(
              "unknown argument "
                  + args[i]
                  + "; usage: SystemDemo [--worker-jar P] [--operator-jar P] [--examples DIR] [--crds DIR] [--wait]");
          System.exit(2);
        }
      }
    }
    if (examples == null) {
      examples = Manifests.defaultExamples(root);
    }
    Path workDir = Files.createDirectories(root.resolve(".local/system-demo"));
    LocalSystem system =
        new LocalSystem(
            new LocalSystem.Settings(
                root, workerJar, operatorJar, crds, examples, workDir, System.out));
    // Ctrl-C ends the JVM through its shutdown hooks: stop what we started there, once.
    Thread hook =
        new Thread(
            () -> {
              System.out.println();
              System.out.println("== Stopping everything");
              system.close();
            },
            "system-demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      run(system, root, crds, examples, wait);
    } finally {
      Runtime.getRuntime().removeShutdownHook(hook);
      step("Stopping everything");
      system.close();
      System.out.println("  done");
    }
  }

  private static void run(LocalSystem system, Path root, Path crds, Path examples, boolean wait)
      throws Exception {
    Manifests.Pipeline p = system.pipeline();
    step(
        "Starting local services for the example pipeline "
            + p.namespace()
            + "/"
            + p.name()
            + " (from "
            + root.relativize(examples)
            + ")");
    system.startServices();

    step(
        "Seeding users (MariaDB), notifications (MongoDB '"
            + "%s".formatted(system.mongoDatabase())
            + "'), Pub/Sub topics");
    system.data().seedSample();
    system.createTopics();
    System.out.printf(
        "  project %s: topic %s -> subscription %s; %s; dead letters %s%n",
        p.projectId(), p.topic(), p.subscription(), p.sentTopic(), p.deadLetterTopic());

    step("Starting the control plane (etcd, kube-apiserver, kube-controller-manager)");
    KubeControlPlane kube = system.startControlPlane();
    System.out.println("  " + kube.versions());
    System.out.println(
        "  "
            + kube.url()
            + " serves "
            + system.client().getKubernetesVersion().getGitVersion()
            + "  (export KUBECONFIG="
            + system.kubeconfig()
            + ")");

    kubectl(system, "apply", "-f", root.relativize(crds) + "/");
    kubectl(system, "wait", "--for=condition=Established", "crd", "--all", "--timeout=60s");
    kubectl(system, "apply", "-f", root.relativize(examples) + "/");
    step("Pointing the example Secrets at the local servers");
    system.fillSecretsForLocalServices();

    step(
        "Starting the local kubelet (node "
            + LocalKubelet.NODE
            + ": pods -> worker.jar processes)");
    system.startKubelet();
    System.out.println(
        "  log "
            + root.relativize(system.kubeletLog())
            + "; worker logs in "
            + root.relativize(system.kubelet().logDirectory().toAbsolutePath()));

    step(
        "Starting operator.jar (its own process, ServiceAccount "
            + LocalSystem.OPERATOR_NAMESPACE
            + "/"
            + LocalSystem.OPERATOR_ACCOUNT
            + ")");
    system.startOperator();
    System.out.println(
        "  pid "
            + system.operatorPid()
            + ", http 127.0.0.1:"
            + system.operatorHttpPort()
            + ", log "
            + root.relativize(system.operatorLog()));

    step("Waiting for NotificationPipeline " + p.name() + " to be Ready, with the workers' health");
    system.awaitPipelineReady(Duration.ofSeconds(120));
    String cacheName =
        system
            .manifests()
            .find("NotificationPipeline", p.namespace(), p.name())
            .orElseThrow()
            .path("spec")
            .path("cacheRef")
            .path("name")
            .asText();
    try {
      JsonNode cache = system.awaitCacheReady(cacheName, Duration.ofSeconds(30));
      System.out.println(
          "  CacheConfig "
              + cacheName
              + ": reachable="
              + cache.path("reachable").asText()
              + " latencyMillis="
              + cache.path("latencyMillis").asText());
    } catch (IllegalStateException e) {
      System.out.println("  CacheConfig " + cacheName + " not Ready: " + e.getMessage());
    }
    for (Pod w : system.workerPods()) {
      System.out.println(
          "  worker pod "
              + w.getMetadata().getName()
              + ": http "
              + w.getStatus().getPodIP()
              + ":8080 phase="
              + w.getStatus().getPhase()
              + " restarts="
              + w.getStatus().getContainerStatuses().get(0).getRestartCount());
    }

    step("Publishing notification-created events");
    for (String body : BackendData.SAMPLE_EVENTS) {
      system.pubsub().publish(p.topic(), body);
      System.out.println("  " + body);
    }

    step("notification-sent events");
    for (PubSubEmulator.ReceivedMessage m :
        system.pubsub().awaitMessages(system.sentWatch(), 3, Duration.ofSeconds(60))) {
      System.out.println("  " + m.data());
    }
    step("Emails the SES emulator received");
    for (SesEmulator.SentEmail email : system.ses().emails()) {
      System.out.printf(
          "  to=%s from=%s%n    subject: %s%n    html:    %s%n",
          email.to(), email.from(), email.subject(), email.htmlBody());
    }
    if (system.deadLetterWatch() != null) {
      step("Dead-lettered messages");
      for (PubSubEmulator.ReceivedMessage m :
          system.pubsub().awaitMessages(system.deadLetterWatch(), 1, Duration.ofSeconds(20))) {
        System.out.printf(
            "  reason=%s data=%s%n", m.attributes().get("deadLetterReason"), m.data());
      }
    }

    kubectl(system, "get", "notificationpipelines,cacheconfigs", "-n", p.namespace());
    kubectl(
        system,
        "get",
        "deployments,replicasets,pods,services,configmaps,poddisruptionbudgets",
        "-n",
        p.namespace(),
        "-o",
        "wide");
    step(
        Kubectl.display("get", "np", p.name(), "-n", p.namespace(), "-o", "yaml")
            + "   (status section)");
    String yaml =
        system
            .kubectl()
            .run("get", "np", p.name(), "-n", p.namespace(), "-o", "yaml")
            .orThrow()
            .output();
    int at = yaml.indexOf("\nstatus:");
    System.out.println(at < 0 ? yaml : yaml.substring(at + 1));

    step("Secrets in the operator's and the kubelet's logs");
    List<String> leaks = system.secretLeaks();
    System.out.println(
        leaks.isEmpty()
            ? "  none of the "
                + system.secretValues().size()
                + " secret values appears in "
                + root.relativize(system.operatorLog())
                + " or "
                + root.relativize(system.kubeletLog())
            : "  LEAK: " + leaks);

    if (wait) {
      step("Running until Ctrl-C");
      System.out.println("  export KUBECONFIG=" + system.kubeconfig());
      System.out.println("  kubectl get np,cachecfg,deploy -n " + p.namespace());
      Thread.currentThread().join();
    }
  }

  private static void kubectl(LocalSystem system, String... args) {
    step(Kubectl.display(args));
    Kubectl.Result r = system.kubectl().run(args);
    r.output().lines().forEach(line -> System.out.println("  " + line));
    r.orThrow();
  }

  private static void step(String title) {
    System.out.println();
    System.out.println("== " + title);
  }
}
