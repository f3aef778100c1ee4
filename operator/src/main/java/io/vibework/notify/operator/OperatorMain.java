package io.vibework.notify.operator;

import ch.qos.logback.classic.Level;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vibework.notify.operator.config.ConfigException;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.operator.health.WorkerAddressResolver;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** {@code java -jar operator.jar}: configuration from the environment, logs as JSON lines. */
public final class OperatorMain {

  private static final Logger log = LoggerFactory.getLogger(OperatorMain.class);

  private OperatorMain() {}

  public static void main(String[] args) throws InterruptedException {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnv(System.getenv());
    } catch (ConfigException e) {
      log.atError()
          .addKeyValue("variable", e.variable())
          .log("bad configuration: " + e.getMessage());
      System.exit(2);
      return;
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
        .setLevel(Level.toLevel(config.logLevel(), Level.INFO));
    log.atInfo()
        .addKeyValue(
            "namespaces",
            config.watchAllNamespaces() ? "all" : String.join(",", config.watchNamespaces()))
        .addKeyValue("probeIntervalSeconds", config.probeInterval().toSeconds())
        .addKeyValue("leaderElection", config.leaderElectionEnabled())
        .addKeyValue("httpPort", config.httpPort())
        .log("starting notification operator");
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorApp app;
    try {
      app = OperatorApp.start(config, client, WorkerAddressResolver.podIp(), Clock.systemUTC());
    } catch (RuntimeException e) {
      log.error("operator failed to start: " + e.getMessage(), e);
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("stopping notification operator");
                  app.close();
                  client.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
  }
}
