package io.vibework.notify.worker;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import io.vibework.notify.templates.InvalidTemplateException;
import io.vibework.notify.worker.config.ConfigException;
import io.vibework.notify.worker.config.WorkerConfig;
import io.vibework.notify.worker.email.TemplateDirectory;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * {@code java -jar worker.jar}: parse the environment, run until SIGTERM, stop gracefully. {@code
 * java -jar worker.jar render ...} previews a template instead ({@link RenderCommand}).
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("render")) {
      System.exit(
          RenderCommand.run(Arrays.copyOfRange(args, 1, args.length), System.out, System.err));
      return;
    }
    WorkerConfig config;
    try {
      config = WorkerConfig.fromEnvironment(System.getenv());
      TemplateDirectory.load(config.templates().directory());
    } catch (ConfigException e) {
      System.err.println("worker: invalid configuration: " + e.getMessage());
      System.exit(2);
      return;
    } catch (InvalidTemplateException e) {
      System.err.println("worker: invalid configuration: EMAIL_TEMPLATES_DIR: " + e.getMessage());
      System.exit(2);
      return;
    }
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    ((LoggerContext) LoggerFactory.getILoggerFactory())
        .getLogger(Logger.ROOT_LOGGER_NAME)
        .setLevel(Level.toLevel(config.logLevel().name()));
    Logger log = LoggerFactory.getLogger(WorkerMain.class);

    CountDownLatch stopped = new CountDownLatch(1);
    Worker worker;
    try {
      worker =
          Worker.start(
              config,
              Clock.systemUTC(),
              failure -> {
                log.error("subscriber failed for good; exiting so the pod restarts");
                // exit from another thread: System.exit would block on our own shutdown hook.
                Thread.ofPlatform().start(() -> System.exit(1));
              });
    } catch (Exception e) {
      log.atError()
          // The class only: a client's message can quote a URL with its password.
          .addKeyValue("error", e.getClass().getSimpleName())
          .log("worker failed to start");
      System.exit(1);
      return;
    }
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutdown requested; draining");
                  worker.close();
                  log.info("worker stopped");
                  ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
                  stopped.countDown();
                },
                "shutdown"));
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
