package io.vibework.notify.worker.demo;

import io.vibework.notify.testkit.BackendData;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code make demo}: local Redis, MariaDB, MongoDB (wire server), Pub/Sub emulator and SES
 * emulator; seeded users and notifications; {@code worker.jar} as its own process with the
 * environment a user would set; a handful of events; and what came out the other end.
 */
public final class WorkerDemo {
  private static final Set<String> SECRETS =
      Set.of("MYSQL_PASSWORD", "AWS_SECRET_ACCESS_KEY", "REDIS_PASSWORD", "MONGODB_URL");

  private WorkerDemo() {}

  public static void main(String[] args) throws Exception {
    Path workerJar =
        Path.of(args.length > 0 ? args[0] : "worker/target/worker.jar").toAbsolutePath();
    Path logDir = Files.createDirectories(Path.of(".local", "demo"));
    RedisServer redis = new RedisServer();
    MariaDbServer mysql = new MariaDbServer();
    PubSubEmulator pubsub = new PubSubEmulator();
    SesEmulator ses = new SesEmulator();
    MongoServer mongo = new MongoServer();
    Process[] worker = new Process[1];
    Runnable stopAll =
        () -> {
          if (worker[0] != null && worker[0].isAlive()) {
            worker[0].destroy();
            try {
              worker[0].waitFor();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          List.<AutoCloseable>of(mongo, ses, pubsub, mysql, redis)
              .forEach(
                  server -> {
                    try {
                      server.close();
                    } catch (Exception ignored) {
                      // best effort on the way out
                    }
                  });
        };
    // Ctrl-C ends the JVM through its shutdown hooks: stop what we started there, once.
    Thread hook = new Thread(stopAll, "demo-stop");
    Runtime.getRuntime().addShutdownHook(hook);

    step("Starting local services");
    redis.start();
    mysql.start();
    pubsub.start();
    ses.start();
    mongo.start();
    System.out.printf(
        "  redis   %s%n  mariadb 127.0.0.1:%d%n  mongodb %s%n  pubsub  %s%n  ses     %s%n",
        redis.url(), mysql.port(), mongo.connectionString(), pubsub.hostPort(), ses.endpoint());

    try (PipelineFixture fixture = new PipelineFixture(redis, mysql, pubsub, ses, mongo)) {
      step("Seeding users (MariaDB) and notifications (MongoDB)");
      fixture.data.seedSample();
      Topics topics = fixture.createTopics(Topics.standard(), 30);
      System.out.println(
          "  users u-ada, u-grace; notifications n-welcome, n-invoice, n-digest; topics "
              + topics.created()
              + ", "
              + topics.sent()
              + ", "
              + topics.deadLetter());

      step("Starting worker.jar as its own process");
      Map<String, String> env = new TreeMap<>(fixture.environment(topics));
      env.put("HTTP_PORT", String.valueOf(Ports.free()));
      env.put("APP_ENV", "demo");
      env.forEach((k, v) -> System.out.printf("  %s=%s%n", k, SECRETS.contains(k) ? "******" : v));
      Path log = logDir.resolve("worker.log");
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  workerJar.toString())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().putAll(env);
      worker[0] = builder.start();
      URI readyz = URI.create("http://127.0.0.1:" + env.get("HTTP_PORT") + "/readyz");
      awaitReady(readyz, worker[0], log);
      System.out.println("  ready; JSON logs in " + log);

      step("Publishing notification-created events");
      for (String body : BackendData.SAMPLE_EVENTS) {
        pubsub.publish(topics.created(), body);
        System.out.println("  " + body);
      }

      step("notification-sent events");
      for (PubSubEmulator.ReceivedMessage m :
          pubsub.awaitMessages(topics.sentCheck(), 3, Duration.ofSeconds(60))) {
        System.out.println("  " + m.data());
      }
      step("Emails the SES emulator received");
      for (SesEmulator.SentEmail email : ses.emails()) {
        System.out.printf(
            "  to=%s from=%s%n    subject: %s%n    html:    %s%n",
            email.to(), email.from(), email.subject(), email.htmlBody());
      }
      step("Dead-lettered messages");
      for (PubSubEmulator.ReceivedMessage m :
          pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(30))) {
        System.out.printf(
            "  reason=%s data=%s%n", m.attributes().get("deadLetterReason"), m.data());
      }
      step("Worker /readyz");
      System.out.println("  " + get(readyz).body());
      step("Worker /metrics (excerpt)");
      get(URI.create(readyz.toString().replace("/readyz", "/metrics")))
          .body()
          .lines()
          .filter(
              line ->
                  line.startsWith("notify_worker_messages_total")
                      || line.startsWith("notify_worker_emails_total")
                      || line.startsWith("notify_worker_cache_requests_total"))
          .filter(line -> !line.contains("_bucket"))
          .forEach(line -> System.out.println("  " + line));
    }
    step("Stopping everything");
    Runtime.getRuntime().removeShutdownHook(hook);
    stopAll.run();
    System.out.println("  done");
  }

  private static void awaitReady(URI readyz, Process worker, Path log) throws Exception {
    Instant deadline = Instant.now().plusSeconds(60);
    while (Instant.now().isBefore(deadline)) {
      if (!worker.isAlive()) {
        throw new IllegalStateException(
            "worker exited with " + worker.exitValue() + ":\n" + Files.readString(log));
      }
      try {
        if (get(readyz).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("worker not ready after 60 s; see " + log);
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
    }
  }

  private static void step(String title) {
    System.out.println();
    System.out.println("== " + title);
  }
}
