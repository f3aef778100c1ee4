package io.vibework.notify.worker.bench;

import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.ProjectSubscriptionName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vibework.notify.templates.TemplateSet;
import io.vibework.notify.testkit.MariaDbServer;
import io.vibework.notify.testkit.MongoServer;
import io.vibework.notify.testkit.Ports;
import io.vibework.notify.testkit.PubSubEmulator;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.testkit.SqsServer;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.feedback.SesEvents;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;

/**
 * {@code make bench-worker}: N notifications through worker.jar (cache warm) against the bare
 * Pub/Sub client receiving and acking N messages from the same emulator, both as their own
 * processes, timed the same way: from the first publish until the N-th ack. Prints messages per
 * second, CPU-seconds per 1,000 messages (the worker's and every server's, by name), the worker's
 * rate as a ratio of the baseline's, and publish-to-{@code notification-sent} latency (p50, p99) at
 * a steady 100 messages per second. Every round ends by checking that each notification got exactly
 * one email and is marked sent; the benchmark fails otherwise.
 */
public final class WorkerBenchmark {
  /**
   * The JVM options the worker's image sets ({@code worker/Dockerfile}), or {@code
   * BENCH_WORKER_JAVA_OPTS} instead (e.g. an older image's, to measure it as it shipped; to profile
   * only the measured window, use {@code BENCH_PROFILE=/tmp/worker.jfr}).
   */
  static String workerJavaOptions() throws IOException {
    String chosen = System.getenv("BENCH_WORKER_JAVA_OPTS");
    if (chosen != null) {
      return chosen;
    }
    Matcher image =
        Pattern.compile("(?m)^ENV JAVA_TOOL_OPTIONS=\"([^\"]*)\"")
            .matcher(Files.readString(Path.of("worker", "Dockerfile")));
    if (!image.find()) {
      throw new IllegalStateException("worker/Dockerfile sets no JAVA_TOOL_OPTIONS");
    }
    return image.group(1);
  }

  /** Polls the worker's /metrics every 100 ms: one client and connection, not one per poll. */
  private static final HttpClient POLLER = HttpClient.newHttpClient();

  private static final int USERS = 50;
  private static final int MAX_OUTSTANDING = 200;
  private static final int LATENCY_RATE = 100;

  /**
   * Warm-up messages go out this many at a time, each lot once the previous one is acked: the
   * emulator slows to a crawl holding a backlog of many thousands.
   */
  private static final int WARMUP_CHUNK = 500;

  /**
   * Warm-up always used (capped by WARMUP): on a 2-core machine the JIT's share of the worker's CPU
   * dips under the threshold for a chunk or two long before it has finished (30% again in the
   * measured window after 17,000 messages), and stays low from about 30,000 on.
   */
  private static final int WARMUP_FLOOR = 30_000;

  /**
   * The worker's warm-up ends after {@link #SETTLED_CHUNKS} chunks in a row in each of which its
   * JIT compiler threads used less than this share of its CPU: one alone can be a lull (seen: 4% in
   * a chunk, then 29% over the measured run).
   */
  private static final double JIT_SETTLED = 0.10;

  private static final int SETTLED_CHUNKS = 2;

  /**
   * The bare client has little to compile: its warm-up stays fixed (at most this many, a multiple
   * of 100 because it reports acks in hundreds).
   */
  private static final int BASELINE_WARMUP = 2000;

  /** mongo-java-server runs inside this JVM on threads named so: their CPU is MongoDB's. */
  private static final String MONGO_THREADS = "mongo-server";

  private WorkerBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path workerJar =
        Path.of(args.length > 0 ? args[0] : "worker/target/worker.jar").toAbsolutePath();
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 50000;
    int latencyMessages = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
    try (RedisServer redis = new RedisServer();
        MariaDbServer mysql = new MariaDbServer();
        PubSubEmulator pubsub = new PubSubEmulator();
        SesEmulator ses = new SesEmulator();
        MongoServer mongo = new MongoServer()) {
      redis.start();
      mysql.start();
      pubsub.start();
      ses.start();
      mongo.start();
      try (PipelineFixture fixture = new PipelineFixture(redis, mysql, pubsub, ses, mongo)) {
        for (int u = 0; u < USERS; u++) {
          fixture.data.addUser("bench-u" + u, "bench" + u + "@example.com", "Bench " + u);
        }
        System.out.printf(
            "machine: %d cores, %s %s, JDK %s; worker JAVA_TOOL_OPTIONS: %s%n",
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("os.name"),
            System.getProperty("os.arch"),
            System.getProperty("java.version"),
            workerJavaOptions());
        System.out.printf(
            "messages per run: %d after up to %d warm-up messages (JIT, pools, cache; %d at a time until the worker's JIT compiler threads use < %.0f%% of its CPU over %d in a row; baseline: %d), rounds: %d, flow control: %d outstanding; latency: %d messages at %d msg/s%n",
            n,
            warmup,
            WARMUP_CHUNK,
            JIT_SETTLED * 100,
            SETTLED_CHUNKS,
            baselineWarmup(warmup),
            rounds,
            MAX_OUTSTANDING,
            latencyMessages,
            LATENCY_RATE);
        List<double[]> results = new ArrayList<>();
        // BENCH_TEMPLATES=1: also run each round's worker with the built-in templates written out
        // as a ConfigMap-style directory, to compare the two renderers' CPU per email.
        Path templates = System.getenv("BENCH_TEMPLATES") == null ? null : builtInTemplatesDir();
        List<Double> templateRatios = new ArrayList<>();
        // BENCH_FEEDBACK=1: also run each round's worker with a configuration set and a feedback
        // queue (ElasticMQ) that receives one Delivery event per email.
        SqsServer feedback =
            System.getenv("BENCH_FEEDBACK") == null ? null : new SqsServer().start();
        List<Double> feedbackRatios = new ArrayList<>();
        List<Double> feedbackRatiosNoJit = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
          Result baseline = runBaseline(pubsub, n, warmup, round);
          Result worker =
              runWorker(fixture, pubsub, workerJar, n, warmup, latencyMessages, round, null, null);
          System.out.printf(
              "round %d baseline (bare Pub/Sub receive+ack): %8.1f msg/s  %6.3f CPU-s/1000 msgs%n",
              round, baseline.rate(), baseline.cpuPerThousand());
          System.out.printf(
              "round %d worker   (end to end, cache warm):   %8.1f msg/s  %6.3f CPU-s/1000 msgs %s  ratio %.2fx%n",
              round,
              worker.rate(),
              worker.cpuPerThousand(),
              worker.jitSplit(),
              worker.rate() / baseline.rate());
          System.out.printf(
              "round %d warm-up (worker, not measured): %s%n", round, worker.warmup());
          System.out.printf(
              "round %d CPU-s/1000 msgs elsewhere during the worker run:%s%n",
              round, worker.othersLine());
          System.out.printf(
              "round %d publish->notification-sent at %d msg/s: p50 %.1f ms  p99 %.1f ms  max %.1f ms (%d messages)%n",
              round,
              LATENCY_RATE,
              worker.latency().percentile(50),
              worker.latency().percentile(99),
              worker.latency().percentile(100),
              worker.latency().millis().length);
          System.out.printf("round %d %s%n", round, worker.check());
          results.add(
              new double[] {baseline.rate(), worker.rate(), worker.rate() / baseline.rate()});
          if (feedback != null) {
            Result withFeedback =
                runWorker(
                    fixture,
                    pubsub,
                    workerJar,
                    n,
                    warmup,
                    latencyMessages,
                    round + 200,
                    null,
                    feedback);
            double ratio = withFeedback.cpuPerThousand() / worker.cpuPerThousand();
            feedbackRatios.add(ratio);
            if (withFeedback.jitCpu() != null && worker.jitCpu() != null) {
              feedbackRatiosNoJit.add(
                  withFeedback.perThousand(withFeedback.cpu().minus(withFeedback.jitCpu()))
                      / worker.perThousand(worker.cpu().minus(worker.jitCpu())));
            }
            System.out.printf(
                "round %d worker with feedback (one Delivery event per email): %8.1f msg/s  %6.3f CPU-s/1000 emails %s  %s  ratio to without %.3fx%n",
                round,
                withFeedback.rate(),
                withFeedback.cpuPerThousand(),
                withFeedback.jitSplit(),
                withFeedback.check(),
                ratio);
          }
          if (templates != null) {
            // Same run, right after: the built-in three again, but compiled from a mounted
            // directory as a ConfigMap of them would be (round + 100 keeps topics and ids apart).
            Result configured =
                runWorker(
                    fixture,
                    pubsub,
                    workerJar,
                    n,
                    warmup,
                    latencyMessages,
                    round + 100,
                    templates,
                    null);
            System.out.printf(
                "round %d worker, EMAIL_TEMPLATES_DIR of the same three: %8.1f msg/s  %6.3f CPU-s/1000 msgs %s  %s%n",
                round,
                configured.rate(),
                configured.cpuPerThousand(),
                configured.jitSplit(),
                configured.check());
            double cpuRatio = configured.cpuPerThousand() / worker.cpuPerThousand();
            templateRatios.add(cpuRatio);
            System.out.printf(
                "round %d templates from a directory / built-ins: CPU per message %.3fx, rate %.3fx%n",
                round, cpuRatio, configured.rate() / worker.rate());
          }
        }
        if (feedback != null) {
          System.out.printf(
              "feedback on / off, CPU per email: median %.3fx of %s, without the JIT compiler %.3fx of %s (target <= 1.15x)%n",
              median(feedbackRatios),
              feedbackRatios,
              median(feedbackRatiosNoJit),
              feedbackRatiosNoJit);
        }
        if (!templateRatios.isEmpty()) {
          System.out.printf(
              "templates from a directory / built-ins, CPU per message: median %.3fx of %s (target <= 1.05x)%n",
              templateRatios.stream().sorted().toList().get(templateRatios.size() / 2),
              templateRatios);
        }
        if (feedback != null) {
          // ElasticMQ's actor system would keep the JVM alive.
          feedback.close();
        }
        double best = results.stream().mapToDouble(r -> r[2]).max().orElse(0);
        double median =
            results.stream().mapToDouble(r -> r[2]).sorted().toArray()[results.size() / 2];
        System.out.printf(
            "worker/baseline rate ratio: median %.2fx, best %.2fx (target >= 0.80x)%n",
            median, best);
      }
    }
  }

  /**
   * One measured window. {@code jitCpu} is the part of {@code cpu} spent by the measured process's
   * JIT compiler threads, null when not read (no /proc).
   */
  record Result(
      int messages,
      Duration elapsed,
      Duration cpu,
      Duration jitCpu,
      Map<String, Duration> othersCpu,
      Latency latency,
      String check,
      String warmup) {
    Result(
        int messages,
        Duration elapsed,
        Duration cpu,
        Duration jitCpu,
        Map<String, Duration> othersCpu) {
      this(messages, elapsed, cpu, jitCpu, othersCpu, new Latency(new double[0]), "", "");
    }

    Result with(Latency latency, String check, Warmup warmup) {
      return new Result(
          messages, elapsed, cpu, jitCpu, othersCpu, latency, check, warmup.toString());
    }

    /** The measured process's CPU split into its JIT compiler threads and everything else. */
    String jitSplit() {
      if (jitCpu == null) {
        return "(JIT compiler threads n/a)";
      }
      return String.format(
          "(JIT compiler threads %.3f, rest %.3f)",
          perThousand(jitCpu), perThousand(cpu.minus(jitCpu)));
    }

    double rate() {
      return messages / (elapsed.toNanos() / 1e9);
    }

    double cpuPerThousand() {
      return perThousand(cpu);
    }

    double perThousand(Duration d) {
      return d.toNanos() / 1e9 / messages * 1000;
    }

    /**
     * Where the rest of the machine's CPU went: the servers and this JVM (MongoDB wire server,
     * publishing).
     */
    String othersLine() {
      StringBuilder line = new StringBuilder();
      othersCpu.forEach((name, d) -> line.append(String.format(" %s %.3f", name, perThousand(d))));
      return line.toString();
    }
  }

  interface Interruptible {
    void run() throws InterruptedException;
  }

  /** Publish-to-sent latencies in milliseconds, sorted. */
  record Latency(double[] millis) {
    double percentile(int p) {
      if (millis.length == 0) {
        return Double.NaN;
      }
      int index = (int) Math.ceil(p / 100.0 * millis.length) - 1;
      return millis[Math.max(0, Math.min(millis.length - 1, index))];
    }
  }

  private static int baselineWarmup(int warmup) {
    return Math.min(warmup, BASELINE_WARMUP) / 100 * 100;
  }

  private static Result runBaseline(PubSubEmulator pubsub, int n, int maxWarmup, int round)
      throws Exception {
    int warmup = baselineWarmup(maxWarmup);
    String topic = "bench-baseline-" + round;
    pubsub.createTopic(topic);
    pubsub.createSubscription(topic + "-sub", topic, 60);
    Path log = Files.createTempFile("bench-baseline", ".log");
    Process process =
        java(
            log,
            "-cp",
            System.getProperty("java.class.path"),
            BareSubscriberMain.class.getName(),
            pubsub.hostPort(),
            pubsub.projectId(),
            topic + "-sub",
            String.valueOf(n + warmup),
            String.valueOf(MAX_OUTSTANDING));
    try {
      awaitLine(log, process, "ready", Duration.ofSeconds(60));
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < n + warmup; i++) {
        bodies.add(
            "{\"notificationId\":\"base-"
                + round
                + "-"
                + i
                + "\",\"userId\":\"bench-u"
                + (i % USERS)
                + "\",\"type\":\"email\"}");
      }
      for (int from = n; from < n + warmup; from += WARMUP_CHUNK) {
        int to = Math.min(from + WARMUP_CHUNK, n + warmup);
        publishBatched(pubsub, topic, bodies.subList(from, to));
        awaitCount(() -> lastAcked(log), to - n, process);
      }
      return measure(
          process,
          null,
          n,
          () -> publishBatched(pubsub, topic, bodies.subList(0, n)),
          () -> lastAcked(log) - warmup);
    } finally {
      process.destroyForcibly().waitFor();
    }
  }

  private static Result runWorker(
      PipelineFixture fixture,
      PubSubEmulator pubsub,
      Path jar,
      int n,
      int maxWarmup,
      int latencyMessages,
      int round,
      Path templatesDir,
      SqsServer feedbackSqs)
      throws Exception {
    Topics topics =
        fixture.createTopics(
            new Topics(
                "bench-created-" + round,
                "bench-created-email-" + round,
                "bench-sent-" + round,
                "bench-sent-check-" + round,
                "bench-dead-" + round,
                "bench-dead-check-" + round),
            60);
    // Notification indexes: measured [0, n), latency [n, n + latencyMessages), then as many
    // warm-up ones as the warm-up uses (their documents are written chunk by chunk).
    int firstWarmup = n + latencyMessages;
    List<String> bodies = new ArrayList<>();
    fixture.data.notifications().insertMany(notifications(round, 0, firstWarmup, bodies));
    Map<String, String> env = new HashMap<>(fixture.environment(topics));
    int port = Ports.free();
    env.put("HTTP_PORT", String.valueOf(port));
    env.put("PUBSUB_MAX_OUTSTANDING_MESSAGES", String.valueOf(MAX_OUTSTANDING));
    env.put("MONGODB_CONNECTION_POOL_SIZE", "50");
    env.put("LOG_LEVEL", "warn");
    env.put("JAVA_TOOL_OPTIONS", workerJavaOptions());
    if (templatesDir != null) {
      env.put("EMAIL_TEMPLATES_DIR", templatesDir.toString());
    }
    String feedbackQueue =
        feedbackSqs == null
            ? null
            : feedbackSqs.createQueues("bench-feedback-" + round, 5, Duration.ofSeconds(30)).url();
    if (feedbackSqs != null) {
      env.put("AWS_SES_CONFIGURATION_SET", "bench-feedback");
      env.put("AWS_SES_FEEDBACK_QUEUE_URL", feedbackQueue);
      env.put("AWS_ENDPOINT_URL_SQS", feedbackSqs.endpoint().toString());
    }
    Path log = Files.createTempFile("bench-worker", ".log");
    ProcessBuilder builder =
        new ProcessBuilder(javaBin(), "-jar", jar.toString())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    // Only the two families the benchmark reads (the worker renders nothing else; a worker from
    // before name[] support ignores the query); BENCH_SCRAPE=full scrapes everything, to compare.
    URI metrics =
        URI.create(
            "http://127.0.0.1:"
                + port
                + ("full".equals(System.getenv("BENCH_SCRAPE"))
                    ? "/metrics"
                    : "/metrics?name[]=notify_worker_messages_total"
                        + "&name[]=notify_worker_messages_in_flight"));
    ThreadCpu threads = new ThreadCpu(process.pid());
    try (SentWatcher sent = new SentWatcher(pubsub, topics.sentCheck())) {
      awaitHttp(URI.create("http://127.0.0.1:" + port + "/readyz"), process, log);
      Warmup warmup =
          warmUp(
              fixture,
              pubsub,
              topics,
              process,
              metrics,
              threads,
              sent,
              round,
              firstWarmup,
              maxWarmup);
      awaitIdle(metrics, process);
      if (feedbackSqs != null) {
        // The feedback path warms up too: a Delivery for each warm-up email, consumed before the
        // measured window.
        feedbackSqs.sendBatch(
            feedbackQueue,
            deliveries(round, firstWarmup, firstWarmup + Math.min(warmup.used(), 20_000)));
        awaitCount(() -> feedbackSqs.depth(feedbackQueue) == 0 ? 1 : 0, 1, process);
      }
      long before = acked(metrics);
      LongSupplier measured = () -> acked(metrics) - before;
      if (feedbackSqs != null) {
        // SES reports one Delivery per email once it is sent: the window ends when the worker has
        // sent every email and consumed every event.
        measured = feedbackDone(feedbackSqs, feedbackQueue, round, n, measured);
      }
      Result result =
          measure(
              process,
              threads,
              n,
              () -> publishBatched(pubsub, topics.created(), bodies.subList(0, n)),
              measured);
      // No backlog of the measured phase into the latency phase: every measured message acked and
      // its event taken off the check subscription (by id, so redeliveries do not count twice).
      Latency latency =
          latency(
              pubsub,
              topics,
              sent,
              () -> awaitIdle(metrics, process),
              ids(round, 0, n),
              ids(round, n, firstWarmup),
              bodies.subList(n, firstWarmup),
              process);
      awaitCount(() -> acked(metrics) - before, n + latencyMessages, process);
      String check = exactlyOneEmailEach(fixture, round, firstWarmup + warmup.used());
      // Every round starts from the same collection size (filters that pin no _id still scan).
      fixture
          .data
          .notifications()
          .deleteMany(new Document("_id", new Document("$regex", "^bench-" + round + "-")));
      return result.with(latency, check, warmup);
    } finally {
      process.destroy();
      process.waitFor();
    }
  }

  /**
   * Counts the measured emails as done only once the feedback queue is empty: after the last email
   * is acknowledged it puts one SES Delivery event per email on the queue (tagged with its
   * notification, as SES's would be), then waits for the worker to consume them all.
   */
  private static LongSupplier feedbackDone(
      SqsServer sqs, String queue, int round, int n, LongSupplier acked) {
    boolean[] fed = {false};
    return () -> {
      long done = acked.getAsLong();
      if (done < n) {
        return done;
      }
      if (!fed[0]) {
        sqs.sendBatch(queue, deliveries(round, 0, n));
        fed[0] = true;
      }
      return sqs.depth(queue) == 0 ? done : n - 1;
    };
  }

  /** SES Delivery events for notifications [from, to) of a round, tagged as SES's would be. */
  private static List<String> deliveries(int round, int from, int to) {
    List<String> events = new ArrayList<>();
    for (int i = from; i < to; i++) {
      events.add(
          SesEvents.event(
              "delivery",
              "bench" + (i % USERS) + "@example.com",
              "bench-ses-" + round + "-" + i,
              "bench-" + round + "-" + i));
    }
    return events;
  }

  private static double median(List<Double> values) {
    return values.isEmpty() ? Double.NaN : values.stream().sorted().toList().get(values.size() / 2);
  }

  private static Path builtInTemplatesDir() throws IOException {
    Path dir = Files.createTempDirectory("bench-templates");
    for (Map.Entry<String, String> e : TemplateSet.builtInSources().entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), e.getValue());
    }
    return dir;
  }

  /** Pending notifications {@code from} to {@code to} of a round; their messages go to bodies. */
  private static List<Document> notifications(int round, int from, int to, List<String> bodies) {
    List<Document> docs = new ArrayList<>();
    for (int i = from; i < to; i++) {
      String id = "bench-" + round + "-" + i;
      String user = "bench-u" + (i % USERS);
      docs.add(
          new Document("_id", id)
              .append("userId", user)
              .append("template", "notification")
              .append(
                  "data",
                  new Document("title", subject(round, i)).append("message", "Message <" + i + ">"))
              .append("status", "pending"));
      bodies.add(
          "{\"notificationId\":\"" + id + "\",\"userId\":\"" + user + "\",\"type\":\"email\"}");
    }
    return docs;
  }

  /** How a worker's warm-up went: messages used, of at most, and each chunk's JIT share. */
  record Warmup(int used, int max, List<Double> jitShares) {
    @Override
    public String toString() {
      if (jitShares.isEmpty() || Double.isNaN(jitShares.getLast())) {
        return String.format("%d of at most %d messages (JIT share n/a)", used, max);
      }
      StringBuilder last = new StringBuilder();
      for (double share : jitShares.subList(Math.max(0, jitShares.size() - 4), jitShares.size())) {
        last.append(last.isEmpty() ? "" : ", ").append(String.format("%.1f%%", share * 100));
      }
      return String.format(
          "%d of at most %d messages; JIT compiler threads' share of the worker's CPU over the last chunks of %d: %s%s",
          used,
          max,
          WARMUP_CHUNK,
          last,
          settled(jitShares) ? " (settled)" : " (not settled: the cap ran out)");
    }
  }

  /** The last {@link #SETTLED_CHUNKS} chunks each below {@link #JIT_SETTLED}. */
  private static boolean settled(List<Double> shares) {
    return shares.size() >= SETTLED_CHUNKS
        && shares.subList(shares.size() - SETTLED_CHUNKS, shares.size()).stream()
            .allMatch(share -> share < JIT_SETTLED);
  }

  /**
   * Warms the worker up (cache of every user, pools, JIT) with notifications {@code first} on,
   * {@link #WARMUP_CHUNK} at a time: each chunk is published once the previous one is acked and its
   * notification-sent events taken off the check subscription, so the emulator never holds a big
   * backlog. Stops, once at least {@link #WARMUP_FLOOR} were used, after {@link #SETTLED_CHUNKS}
   * chunks in a row in each of which the JIT compiler threads used less than {@link #JIT_SETTLED}
   * of the worker's CPU, or at {@code max} messages.
   */
  private static Warmup warmUp(
      PipelineFixture fixture,
      PubSubEmulator pubsub,
      Topics topics,
      Process process,
      URI metrics,
      ThreadCpu threads,
      SentWatcher sent,
      int round,
      int first,
      int max)
      throws Exception {
    sent.start();
    long ackedBefore = acked(metrics);
    int used = 0;
    List<Double> shares = new ArrayList<>();
    Duration cpuBefore = cpu(process);
    Duration jitBefore = threads.jit();
    while (used < max) {
      int from = first + used;
      int to = from + Math.min(WARMUP_CHUNK, max - used);
      List<String> bodies = new ArrayList<>();
      fixture.data.notifications().insertMany(notifications(round, from, to, bodies));
      publishBatched(pubsub, topics.created(), bodies);
      int target = to - first;
      awaitCount(
          () -> {
            threads.sample();
            return acked(metrics) - ackedBefore;
          },
          target,
          process);
      List<String> ids = ids(round, from, to);
      awaitCount(() -> sent.count(ids), ids.size(), process);
      used = target;
      Duration cpuAfter = cpu(process);
      Duration jitAfter = threads.jit();
      double share =
          jitAfter == null || jitBefore == null
              ? Double.NaN
              : (double) jitAfter.minus(jitBefore).toNanos()
                  / Math.max(1, cpuAfter.minus(cpuBefore).toNanos());
      cpuBefore = cpuAfter;
      jitBefore = jitAfter;
      shares.add(share);
      if (used >= Math.min(WARMUP_FLOOR, max) && settled(shares)) {
        break;
      }
    }
    sent.stop();
    return new Warmup(used, max, shares);
  }

  private static String subject(int round, int i) {
    return "Bench " + round + "-" + i;
  }

  private static List<String> ids(int round, int from, int to) {
    List<String> ids = new ArrayList<>();
    for (int i = from; i < to; i++) {
      ids.add("bench-" + round + "-" + i);
    }
    return ids;
  }

  /**
   * The round's check subscription of {@code notification-sent}, read while started: each
   * notification id with when its event first arrived.
   */
  static final class SentWatcher implements AutoCloseable {
    private final Map<String, Long> announced = new ConcurrentHashMap<>();
    private final ManagedChannel channel;
    private final ProjectSubscriptionName subscription;
    private Subscriber subscriber;

    SentWatcher(PubSubEmulator pubsub, String subscription) {
      this.channel = ManagedChannelBuilder.forTarget(pubsub.hostPort()).usePlaintext().build();
      this.subscription = ProjectSubscriptionName.of(pubsub.projectId(), subscription);
    }

    void start() {
      if (subscriber != null) {
        return;
      }
      subscriber =
          Subscriber.newBuilder(
                  subscription,
                  (MessageReceiver)
                      (message, reply) -> {
                        long at = System.nanoTime();
                        reply.ack();
                        String body = message.getData().toStringUtf8();
                        int start = body.indexOf("bench-");
                        if (start >= 0) {
                          announced.putIfAbsent(
                              body.substring(start, body.indexOf('"', start)), at);
                        }
                      })
              .setChannelProvider(
                  FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
              .setCredentialsProvider(NoCredentialsProvider.create())
              .build();
      subscriber.startAsync().awaitRunning();
    }

    void stop() {
      if (subscriber != null) {
        subscriber.stopAsync().awaitTerminated();
        subscriber = null;
      }
    }

    /** How many of these notifications have been announced so far. */
    long count(List<String> ids) {
      return ids.stream().filter(announced::containsKey).count();
    }

    Long announced(String id) {
      return announced.get(id);
    }

    @Override
    public void close() {
      stop();
      channel.shutdownNow();
    }
  }

  /**
   * Publishes one message every 10 ms (one REST request each, as a backend would) and times each
   * from just before its publish until a subscriber of {@code notification-sent} receives the
   * worker's event for it.
   */
  private static Latency latency(
      PubSubEmulator pubsub,
      Topics topics,
      SentWatcher sent,
      Interruptible idle,
      List<String> backlog,
      List<String> ids,
      List<String> bodies,
      Process process)
      throws Exception {
    Map<String, Long> published = new ConcurrentHashMap<>();
    sent.start();
    try {
      // The throughput phase's events are still queued on the check subscription: take them all
      // first, or the timed events would wait behind them; and the worker must be done with it.
      awaitCount(() -> sent.count(backlog), backlog.size(), process);
      idle.run();
      Thread.sleep(500);
      long period = 1_000_000_000L / LATENCY_RATE;
      long start = System.nanoTime();
      for (int i = 0; i < ids.size(); i++) {
        long due = start + i * period;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        published.put(ids.get(i), System.nanoTime());
        pubsub.publish(topics.created(), bodies.get(i));
      }
      awaitCount(() -> sent.count(ids), ids.size(), process);
    } finally {
      sent.stop();
    }
    return new Latency(
        ids.stream()
            .mapToDouble(id -> (sent.announced(id) - published.get(id)) / 1e6)
            .sorted()
            .toArray());
  }

  /**
   * The promise the worker exists for, checked on this round's notifications: exactly one email
   * each (SES's store, by the notification's unique subject) and every notification marked sent.
   */
  private static String exactlyOneEmailEach(PipelineFixture fixture, int round, int total) {
    Map<String, Integer> emails = new HashMap<>();
    String prefix = "Bench " + round + "-";
    fixture.ses.emails().stream()
        .map(SesEmulator.SentEmail::subject)
        .filter(s -> s != null && s.startsWith(prefix))
        .forEach(s -> emails.merge(s, 1, Integer::sum));
    List<String> wrong = new ArrayList<>();
    for (int i = 0; i < total && wrong.size() < 5; i++) {
      int count = emails.getOrDefault(subject(round, i), 0);
      if (count != 1) {
        wrong.add("bench-" + round + "-" + i + ": " + count + " emails");
      }
    }
    long notSent =
        fixture
            .data
            .notifications()
            .countDocuments(
                new Document("_id", new Document("$regex", "^bench-" + round + "-"))
                    .append("status", new Document("$ne", "sent")));
    if (!wrong.isEmpty() || notSent > 0 || emails.size() != total) {
      throw new IllegalStateException(
          "exactly-one-email check failed: "
              + wrong
              + ", "
              + notSent
              + " notifications not marked sent, "
              + emails.size()
              + " of "
              + total
              + " notifications emailed");
    }
    return "exactly one email per notification: OK ("
        + total
        + " notifications, "
        + emails.values().stream().mapToInt(Integer::intValue).sum()
        + " emails, all marked sent)";
  }

  /**
   * Times {@code publish} until {@code done} reaches n; {@code threads}, if given, splits the
   * process's CPU into JIT compiler threads and the rest.
   */
  private static Result measure(
      Process process, ThreadCpu threads, int n, Runnable publish, LongSupplier done)
      throws Exception {
    String profile = threads == null ? null : System.getenv("BENCH_PROFILE");
    if (profile != null) {
      jcmd(process, "JFR.start", "name=bench", "settings=profile", "filename=" + profile);
    }
    Duration jitBefore = threads == null ? null : threads.jit();
    Duration cpuBefore = cpu(process);
    Map<String, Duration> othersBefore = othersCpu(process);
    long started = System.nanoTime();
    publish.run();
    awaitCount(
        () -> {
          if (threads != null) {
            threads.sample();
          }
          return done.getAsLong();
        },
        n,
        process);
    Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
    Duration cpu = cpu(process).minus(cpuBefore);
    if (profile != null) {
      jcmd(process, "JFR.stop", "name=bench");
      System.out.println("JFR recording of the measured window: " + profile);
    }
    Duration jitAfter = threads == null ? null : threads.jit();
    Map<String, Duration> others = new TreeMap<>();
    othersCpu(process)
        .forEach(
            (name, after) ->
                others.put(name, after.minus(othersBefore.getOrDefault(name, Duration.ZERO))));
    Duration jit = jitBefore == null || jitAfter == null ? null : jitAfter.minus(jitBefore);
    return new Result(n, elapsed, cpu, jit, others);
  }

  /**
   * Linux only: the CPU of one process's JIT compiler threads, read from {@code
   * /proc/<pid>/task/<tid>/stat} (utime + stime; the thread's name is the stat's comm field, the
   * same as {@code /comm}). HotSpot starts and retires compiler threads as its queue grows and
   * shrinks, so every thread seen keeps its last reading: sampling often (each poll of a measured
   * window) loses at most one poll interval of a thread that exits.
   */
  static final class ThreadCpu {
    /** Compiler threads' names as the kernel keeps them (15 characters). */
    private static final List<String> COMPILER_THREADS =
        List.of("C1 CompilerThre", "C2 CompilerThre");

    private static final long TICKS_PER_SECOND = clockTicks();

    private final Path tasks;

    /** Per compiler thread (tid and start time, so a reused tid is a new thread): ticks so far. */
    private final Map<String, Long> compilers = new HashMap<>();

    private boolean available;

    ThreadCpu(long pid) {
      tasks = Path.of("/proc", String.valueOf(pid), "task");
      available = Files.isDirectory(tasks);
      sample();
    }

    /** CPU so far of the process's compiler threads, or null when /proc could not be read. */
    synchronized Duration jit() {
      sample();
      if (!available) {
        return null;
      }
      long ticks = compilers.values().stream().mapToLong(Long::longValue).sum();
      return Duration.ofNanos(ticks * 1_000_000_000L / TICKS_PER_SECOND);
    }

    synchronized void sample() {
      if (!available) {
        return;
      }
      try (var threads = Files.newDirectoryStream(tasks)) {
        for (Path thread : threads) {
          String stat;
          try {
            stat = Files.readString(thread.resolve("stat"));
          } catch (IOException exited) {
            continue;
          }
          // "tid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last.
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String comm = stat.substring(open + 1, close);
          if (COMPILER_THREADS.stream().noneMatch(comm::startsWith)) {
            continue;
          }
          // Fields from 3 (state) on: utime is field 14, stime 15, starttime 22.
          String[] fields = stat.substring(close + 2).trim().split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          compilers.put(stat.substring(0, open).trim() + "@" + fields[19], ticks);
        }
      } catch (IOException | DirectoryIteratorException gone) {
        // the process exited: the readings so far stand
      } catch (RuntimeException unexpected) {
        available = false; // not the stat format this parses
      }
    }

    /** USER_HZ: 100 on practically every Linux, asked of getconf once in case it is not. */
    private static long clockTicks() {
      try {
        Process getconf =
            new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (getconf.waitFor() == 0) {
          return Long.parseLong(out.trim());
        }
      } catch (IOException | NumberFormatException e) {
        // fall through
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return 100;
    }
  }

  /**
   * CPU so far of every process this benchmark started except the one measured, by command name.
   */
  private static Map<String, Duration> othersCpu(Process measured) {
    Map<String, Duration> byName = new TreeMap<>();
    Duration mongo = mongoServerCpu();
    byName.put("mongodb(in-jvm)", mongo);
    byName.put(
        "benchmark-jvm(publish,scrape)",
        ProcessHandle.current().info().totalCpuDuration().orElse(Duration.ZERO).minus(mongo));
    ProcessHandle.current()
        .descendants()
        .filter(p -> p.pid() != measured.pid())
        .forEach(
            p ->
                byName.merge(
                    serverName(p),
                    p.info().totalCpuDuration().orElse(Duration.ZERO),
                    Duration::plus));
    return byName;
  }

  /** The servers this benchmark starts, by what they are rather than by their binary's name. */
  private static String serverName(ProcessHandle p) {
    String command = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
    String line = p.info().commandLine().orElse("");
    if (line.contains("pubsub")) {
      return "pubsub-emulator";
    }
    if (line.contains("aws-ses-v2-local")) {
      return "ses-emulator";
    }
    if (command.startsWith("redis")) {
      return "redis";
    }
    if (command.startsWith("mariadb") || command.startsWith("mysqld")) {
      return "mariadb";
    }
    return command;
  }

  private static Duration mongoServerCpu() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long nanos = 0;
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith(MONGO_THREADS)) {
        nanos += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
      }
    }
    return Duration.ofNanos(nanos);
  }

  private static void awaitCount(LongSupplier count, long target, Process process)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (count.getAsLong() < target) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "consumer stopped or too slow at " + count.getAsLong() + "/" + target);
      }
      Thread.sleep(100);
    }
  }

  private static Duration cpu(Process process) {
    return process.toHandle().info().totalCpuDuration().orElseThrow();
  }

  /**
   * Publishes through the emulator's REST API, 500 messages a request, so publishing is not the
   * bottleneck.
   */
  private static void publishBatched(PubSubEmulator pubsub, String topic, List<String> bodies) {
    try (HttpClient http = HttpClient.newHttpClient()) {
      for (int from = 0; from < bodies.size(); from += 500) {
        StringBuilder json = new StringBuilder("{\"messages\":[");
        for (int i = from; i < Math.min(from + 500, bodies.size()); i++) {
          json.append(i > from ? "," : "")
              .append("{\"data\":\"")
              .append(
                  Base64.getEncoder()
                      .encodeToString(bodies.get(i).getBytes(StandardCharsets.UTF_8)))
              .append("\"}");
        }
        json.append("]}");
        HttpResponse<String> response =
            http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://"
                                + pubsub.hostPort()
                                + "/v1/projects/"
                                + pubsub.projectId()
                                + "/topics/"
                                + topic
                                + ":publish"))
                    .POST(HttpRequest.BodyPublishers.ofString(json.toString()))
                    .header("Content-Type", "application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          throw new IllegalStateException(
              "publish failed: " + response.statusCode() + " " + response.body());
        }
      }
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long acked(URI metrics) {
    return metric(metrics, "notify_worker_messages_total{outcome=\"acked\"}", 0);
  }

  /** Messages the worker holds, received and not yet acked or nacked; -1 if unknown. */
  private static long inFlight(URI metrics) {
    return metric(metrics, "notify_worker_messages_in_flight", -1);
  }

  private static long metric(URI metrics, String series, long unknown) {
    try {
      String body =
          POLLER
              .send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString())
              .body();
      return body.lines()
          .filter(l -> l.startsWith(series + " "))
          .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .reduce(Long::sum)
          .orElse(unknown);
    } catch (IOException | InterruptedException e) {
      return unknown;
    }
  }

  /** Until the worker holds no message: every one it received is acked or nacked. */
  private static void awaitIdle(URI metrics, Process process) throws InterruptedException {
    awaitCount(() -> inFlight(metrics) == 0 ? 1 : 0, 1, process);
  }

  private static long lastAcked(Path log) {
    try {
      return Files.readAllLines(log).stream()
          .filter(l -> l.startsWith("acked "))
          .mapToLong(l -> Long.parseLong(l.substring(6).trim()))
          .max()
          .orElse(0);
    } catch (IOException e) {
      return 0;
    }
  }

  private static void awaitLine(Path log, Process process, String line, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.readAllLines(log).contains(line)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("baseline did not start:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  private static void awaitHttp(URI uri, Process process, Path log) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    try (HttpClient http = HttpClient.newHttpClient()) {
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          throw new IllegalStateException("worker exited:\n" + Files.readString(log));
        }
        try {
          if (http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
                  .statusCode()
              == 200) {
            return;
          }
        } catch (IOException notYet) {
          // starting
        }
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("worker not ready:\n" + Files.readString(log));
  }

  private static Process java(Path log, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(javaBin()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }

  /**
   * Runs a diagnostic command in {@code process} (with {@code BENCH_PROFILE=<file.jfr>}, a JFR
   * recording of the worker over the measured window only: no warm-up, no latency phase).
   */
  private static void jcmd(Process process, String... command) throws Exception {
    List<String> line = new ArrayList<>();
    line.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    line.add(String.valueOf(process.pid()));
    line.addAll(List.of(command));
    Process jcmd = new ProcessBuilder(line).redirectErrorStream(true).start();
    String output = new String(jcmd.getInputStream().readAllBytes());
    if (jcmd.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + String.join(" ", command) + ": " + output);
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
