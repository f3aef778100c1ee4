package io.vibework.notify.operator.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Pod;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.SesAccountStatus;
import io.vibework.notify.operator.api.WorkerHealth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes /readyz of every worker pod of a pipeline directly (pod IPs, ready or not) on a schedule,
 * and triggers a reconcile only when a pipeline's result changes, so a steady cluster stays
 * write-free. Probing pods rather than the Service matters: a pod that reports a failing dependency
 * may be out of the Service's endpoints, and its answer is what the status must show. Being an
 * event source, JOSDK starts it only on the leader and stops it with the operator.
 */
public class WorkerHealthProber
    extends AbstractEventSource<WorkerHealthProber.Result, NotificationPipeline> {

  /** One round's finding for a pipeline: the pods' checks and the SES account they report. */
  public record Result(WorkerHealth health, SesAccountStatus email) {}

  /** One pod's answer; {@code error} set when it did not answer with a /readyz status. */
  record PodAnswer(
      String status,
      Map<String, String> checks,
      SesAccountStatus email,
      String error,
      long[] feedback,
      TemplatesReport templates,
      String reputationGuard) {
    PodAnswer(String status, Map<String, String> checks, SesAccountStatus email, String error) {
      this(status, checks, email, error, null, null, null);
    }

    PodAnswer(
        String status,
        Map<String, String> checks,
        SesAccountStatus email,
        String error,
        long[] feedback) {
      this(status, checks, email, error, feedback, null, null);
    }
  }

  /**
   * A worker's {@code sesTemplates}: stored templates it found missing, and whether it could check.
   */
  record TemplatesReport(List<String> missing, String checkRefused) {}

  private static final Logger log = LoggerFactory.getLogger(WorkerHealthProber.class);
  private static final Pattern CHECK_NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,40}$");
  private static final Pattern TEMPLATE_NAME = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");
  static final int MAX_MISSING_TEMPLATES = 20;
  private static final Pattern CHECK_VALUE = Pattern.compile("^[A-Za-z0-9_ .-]{1,40}$");
  private static final Pattern TIMESTAMP = Pattern.compile("^[0-9T:.+\\-Z]{10,40}$");
  private static final String OK = "ok";
  // Bounds sockets and threads when thousands of pods share one operator.
  private static final int MAX_CONCURRENT_PROBES = 32;

  private final WorkerAddressResolver resolver;
  private final Duration interval;
  private final Duration timeout;
  private final Clock clock;
  private final Function<ResourceID, Optional<NotificationPipeline>> primaryLookup;
  private final Function<NotificationPipeline, List<Pod>> podsOf;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<ResourceID, Boolean> targets = new ConcurrentHashMap<>();
  private final Map<ResourceID, Result> results = new ConcurrentHashMap<>();
  // The pods each pipeline's last probe saw (podFacts): a reconcile that finds other pods probes
  // at once, so pods coming up show in the status without waiting for the interval.
  private final Map<ResourceID, Set<String>> probedPods = new ConcurrentHashMap<>();
  // Probe rounds per pipeline, numbered as they start: answers come back in any order, and an older
  // round (fewer pods, say) must not overwrite what a newer one found.
  private final Map<ResourceID, Long> roundsStarted = new ConcurrentHashMap<>();
  private final Map<ResourceID, Long> roundRecorded = new ConcurrentHashMap<>();
  private final Semaphore inFlight = new Semaphore(MAX_CONCURRENT_PROBES);
  private HttpClient http;
  private ScheduledExecutorService scheduler;

  /**
   * @param podsOf the pipeline's worker pods (from the operator's pod informer)
   */
  public WorkerHealthProber(
      WorkerAddressResolver resolver,
      Duration interval,
      Clock clock,
      Function<ResourceID, Optional<NotificationPipeline>> primaryLookup,
      Function<NotificationPipeline, List<Pod>> podsOf) {
    super(Result.class, "worker-health");
    this.resolver = resolver;
    this.interval = interval;
    this.timeout = Duration.ofSeconds(Math.min(5, Math.max(1, interval.toSeconds() / 2)));
    this.clock = clock;
    this.primaryLookup = primaryLookup;
    this.podsOf = podsOf;
  }

  @Override
  public synchronized void start() throws OperatorException {
    http =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("worker-health-prober").unstarted(r));
    scheduler.scheduleWithFixedDelay(
        this::probeAllSafely, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    super.start();
  }

  @Override
  public synchronized void stop() throws OperatorException {
    super.stop();
    if (scheduler != null) {
      scheduler.shutdownNow();
    }
    if (http != null) {
      http.shutdownNow();
    }
  }

  /**
   * Start probing a pipeline that has worker pods; the first probe runs at once, and so does one
   * when its pods (which, their IPs, readiness) are no longer those the last probe saw.
   */
  public void watch(NotificationPipeline pipeline) {
    ResourceID id = ResourceID.fromResource(pipeline);
    boolean added = targets.putIfAbsent(id, Boolean.TRUE) == null;
    if (isRunning() && (added || !podFacts(podsOf.apply(pipeline)).equals(probedPods.get(id)))) {
      scheduler.execute(() -> probe(pipeline));
    }
  }

  /** Stop probing (no pods, or pipeline gone) and drop what was last seen. */
  public void unwatch(ResourceID id) {
    targets.remove(id);
    results.remove(id);
    probedPods.remove(id);
    roundsStarted.remove(id);
    roundRecorded.remove(id);
  }

  /**
   * What of a pod the probe depends on: whether it can be probed, its name, IP and readiness. Two
   * pods with equal facts give the same probe; any other change of the pod does not matter here.
   */
  public static String podFacts(Pod pod) {
    if (!probeable(pod)) {
      return "";
    }
    boolean ready =
        pod.getStatus().getConditions() != null
            && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    return pod.getMetadata().getName() + " " + pod.getStatus().getPodIP() + " " + ready;
  }

  private static Set<String> podFacts(List<Pod> pods) {
    Set<String> facts = new TreeSet<>();
    for (Pod pod : pods) {
      String f = podFacts(pod);
      if (!f.isEmpty()) {
        facts.add(f);
      }
    }
    return facts;
  }

  public Optional<Result> current(ResourceID id) {
    return Optional.ofNullable(results.get(id));
  }

  @Override
  public Set<Result> getSecondaryResources(NotificationPipeline primary) {
    return current(ResourceID.fromResource(primary)).map(Set::of).orElse(Set.of());
  }

  private void probeAllSafely() {
    try {
      for (Iterator<ResourceID> it = targets.keySet().iterator(); it.hasNext(); ) {
        ResourceID id = it.next();
        Optional<NotificationPipeline> primary = primaryLookup.apply(id);
        if (primary.isEmpty()) {
          it.remove();
          results.remove(id);
          probedPods.remove(id);
          roundsStarted.remove(id);
          roundRecorded.remove(id);
          continue;
        }
        probe(primary.get());
      }
    } catch (RuntimeException e) {
      log.warn("worker health round failed", e);
    }
  }

  private void probe(NotificationPipeline pipeline) {
    try {
      probeOne(pipeline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void probeOne(NotificationPipeline pipeline) throws InterruptedException {
    ResourceID id = ResourceID.fromResource(pipeline);
    long round = roundsStarted.merge(id, 1L, Long::sum);
    List<Pod> all = podsOf.apply(pipeline);
    List<Pod> pods = all.stream().filter(WorkerHealthProber::probeable).toList();
    probedPods.put(id, podFacts(all));
    if (pods.isEmpty()) {
      if (latest(id, round)) {
        forget(id);
      }
      return;
    }
    List<CompletableFuture<PodAnswer>> answers = new ArrayList<>();
    for (Pod pod : pods) {
      answers.add(ask(pod));
    }
    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .whenComplete(
            (done, error) -> {
              if (latest(id, round)) {
                record(id, combine(answers.stream().map(CompletableFuture::join).toList()));
              }
            });
  }

  /** A pod with an IP that is not on its way out. */
  public static boolean probeable(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getPodIP() != null
        && !pod.getStatus().getPodIP().isBlank()
        && pod.getMetadata().getDeletionTimestamp() == null
        && !"Succeeded".equals(pod.getStatus().getPhase())
        && !"Failed".equals(pod.getStatus().getPhase());
  }

  private CompletableFuture<PodAnswer> ask(Pod pod) throws InterruptedException {
    URI uri;
    try {
      uri = resolver.readyzUri(pod);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(
          new PodAnswer(null, Map.of(), null, "no address: " + e.getClass().getSimpleName()));
    }
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    inFlight.acquire();
    try {
      return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .handle(
              (response, error) -> {
                inFlight.release();
                return error == null ? parse(response) : unreachable(error);
              });
    } catch (RuntimeException e) {
      inFlight.release();
      return CompletableFuture.completedFuture(unreachable(e));
    }
  }

  PodAnswer parse(HttpResponse<String> response) {
    return parse(response.statusCode(), response.body());
  }

  PodAnswer parse(int statusCode, String responseBody) {
    try {
      JsonNode body = json.readTree(responseBody);
      String status = body.path("status").asText("");
      if (!status.equals(WorkerHealth.READY) && !status.equals(WorkerHealth.NOT_READY)) {
        return new PodAnswer(
            null, Map.of(), null, "HTTP " + statusCode + " without a /readyz status");
      }
      Map<String, String> checks = new TreeMap<>();
      body.path("checks")
          .properties()
          .forEach(
              e -> {
                String value = e.getValue().asText("");
                // Only short tokens are copied: a worker must not be able to smuggle text into
                // status.
                if (CHECK_NAME.matcher(e.getKey()).matches()) {
                  checks.put(e.getKey(), CHECK_VALUE.matcher(value).matches() ? value : "invalid");
                }
              });
      return new PodAnswer(
          status,
          checks,
          sesAccount(body.path("sesAccount")),
          null,
          sesFeedback(body.path("sesFeedback")),
          sesTemplates(body.path("sesTemplates")),
          token(body.path("sesFeedback").path("reputationGuard")));
    } catch (Exception e) {
      return new PodAnswer(
          null, Map.of(), null, "HTTP " + statusCode + " with a body that is not JSON");
    }
  }

  /** The worker's {@code sesAccount}, numbers and a timestamp only; null when absent or odd. */
  private static SesAccountStatus sesAccount(JsonNode node) {
    if (!node.isObject()
        || !node.path("checkedAt").isTextual()
        || !TIMESTAMP.matcher(node.path("checkedAt").asText()).matches()) {
      return null;
    }
    return new SesAccountStatus(
        number(node.path("maxSendRate")),
        number(node.path("max24HourSend")),
        number(node.path("sentLast24Hours")),
        node.path("sendingEnabled").isBoolean() ? node.path("sendingEnabled").asBoolean() : null,
        node.path("checkedAt").asText());
  }

  /** A short token (say {@code bounce_rate}), or null: a worker cannot put text into the status. */
  private static String token(JsonNode node) {
    return node.isTextual() && CHECK_VALUE.matcher(node.asText()).matches() ? node.asText() : null;
  }

  /** SES template names and an error code only, so a worker cannot put text into the status. */
  private static TemplatesReport sesTemplates(JsonNode node) {
    if (!node.isObject() || !node.path("missing").isArray()) {
      return null;
    }
    List<String> missing = new ArrayList<>();
    node.path("missing")
        .forEach(
            name -> {
              if (name.isTextual() && TEMPLATE_NAME.matcher(name.asText()).matches()) {
                missing.add(name.asText());
              }
            });
    String refused = node.path("checkRefused").asText(null);
    return new TemplatesReport(
        missing, refused == null || CHECK_VALUE.matcher(refused).matches() ? refused : "invalid");
  }

  /**
   * The SES stored templates any pod found missing (sorted, at most {@link #MAX_MISSING_TEMPLATES})
   * and why the workers could not check, if one could not; the figures unchanged when no pod uses
   * SES templates.
   */
  static SesAccountStatus withTemplates(SesAccountStatus email, List<PodAnswer> answered) {
    List<TemplatesReport> reports =
        answered.stream().map(PodAnswer::templates).filter(Objects::nonNull).toList();
    if (reports.isEmpty()) {
      return email;
    }
    List<String> missing =
        reports.stream()
            .flatMap(r -> r.missing().stream())
            .distinct()
            .sorted()
            .limit(MAX_MISSING_TEMPLATES)
            .toList();
    String refused =
        reports.stream()
            .map(TemplatesReport::checkRefused)
            .filter(Objects::nonNull)
            .findFirst()
            .map(code -> "GetEmailTemplate refused: " + code)
            .orElse(null);
    SesAccountStatus base =
        email == null ? new SesAccountStatus(null, null, null, null, null) : email;
    // An empty list is left out, as the API server's round trip would leave it.
    return base.withTemplates(missing.isEmpty() ? null : missing, refused);
  }

  /**
   * What holds sending when any pod's reputation guard does: that pod sends nothing, and the others
   * are near the same rate.
   */
  static SesAccountStatus withGuard(SesAccountStatus email, List<PodAnswer> answered) {
    String guard =
        answered.stream()
            .map(PodAnswer::reputationGuard)
            .filter(Objects::nonNull)
            .sorted()
            .findFirst()
            .orElse(null);
    if (email == null && guard == null) {
      return null;
    }
    SesAccountStatus base =
        email == null ? new SesAccountStatus(null, null, null, null, null) : email;
    return base.withReputationGuard(guard);
  }

  /** Sends, hard bounces, complaints (24 h), suppressed addresses and sends; null when absent. */
  private static long[] sesFeedback(JsonNode node) {
    String[] fields = {
      "sends24h", "hardBounces24h", "complaints24h", "suppressedAddresses", "suppressedSends"
    };
    if (!node.isObject()) {
      return null;
    }
    long[] values = new long[fields.length];
    for (int i = 0; i < fields.length; i++) {
      JsonNode value = node.path(fields[i]);
      if (!value.canConvertToLong() || value.asLong() < 0) {
        return null;
      }
      values[i] = value.asLong();
    }
    return values;
  }

  /**
   * The pipeline's reputation: counts summed over the pods, then divided (each pod sees its own
   * sends and the events it consumed), rounded to 0.0001 so small moves cause no status write.
   */
  static SesAccountStatus withReputation(SesAccountStatus email, List<PodAnswer> answered) {
    List<long[]> reports =
        answered.stream().map(PodAnswer::feedback).filter(Objects::nonNull).toList();
    if (reports.isEmpty()) {
      return email;
    }
    long sends = 0;
    long bounces = 0;
    long complaints = 0;
    long addresses = 0;
    long suppressedSends = 0;
    for (long[] r : reports) {
      sends += r[0];
      bounces += r[1];
      complaints += r[2];
      // Every worker reads the same collection: the fullest copy is the freshest.
      addresses = Math.max(addresses, r[3]);
      suppressedSends += r[4];
    }
    SesAccountStatus base =
        email == null ? new SesAccountStatus(null, null, null, null, null) : email;
    return base.withReputation(
        rounded(sends == 0 ? 0 : (double) bounces / sends),
        rounded(sends == 0 ? 0 : (double) complaints / sends),
        addresses,
        suppressedSends);
  }

  private static double rounded(double rate) {
    return Math.round(rate * 10_000) / 10_000.0;
  }

  private static Double number(JsonNode node) {
    return node.isNumber() ? node.asDouble() : null;
  }

  private static PodAnswer unreachable(Throwable error) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    return new PodAnswer(
        null, Map.of(), null, "/readyz did not answer: " + cause.getClass().getSimpleName());
  }

  /** Per check: ok on every pod, or the most common failing value with how many pods report it. */
  Result combine(List<PodAnswer> answers) {
    String now = now();
    int pods = answers.size();
    List<PodAnswer> answered = answers.stream().filter(a -> a.error() == null).toList();
    int unreachable = pods - answered.size();
    String firstError =
        answers.stream().map(PodAnswer::error).filter(Objects::nonNull).findFirst().orElse(null);
    SesAccountStatus email =
        answered.stream()
            .map(PodAnswer::email)
            .filter(Objects::nonNull)
            .max(Comparator.comparing(SesAccountStatus::checkedAt))
            .orElse(null);
    email = withGuard(withTemplates(withReputation(email, answered), answered), answered);
    if (answered.isEmpty()) {
      return new Result(
          new WorkerHealth(
              WorkerHealth.UNREACHABLE,
              Map.of(),
              now,
              "no pod answered (" + pods + " probed): " + firstError,
              pods,
              0,
              unreachable),
          null);
    }
    Map<String, String> checks = new TreeMap<>();
    Set<String> names = new TreeSet<>();
    answered.forEach(a -> names.addAll(a.checks().keySet()));
    for (String name : names) {
      Map<String, Integer> failing = new HashMap<>();
      for (PodAnswer a : answered) {
        String value = a.checks().get(name);
        if (value != null && !OK.equals(value)) {
          failing.merge(value, 1, Integer::sum);
        }
      }
      if (failing.isEmpty()) {
        checks.put(name, OK);
      } else {
        String worst =
            failing.entrySet().stream()
                .max(
                    Map.Entry.<String, Integer>comparingByValue()
                        .thenComparing(Map.Entry.comparingByKey()))
                .orElseThrow()
                .getKey();
        int count = failing.values().stream().mapToInt(Integer::intValue).sum();
        checks.put(name, worst + " (" + count + "/" + pods + " pods)");
      }
    }
    int notReady =
        (int) answered.stream().filter(a -> WorkerHealth.NOT_READY.equals(a.status())).count();
    boolean ready = notReady == 0 && unreachable == 0;
    String message = unreachable == 0 ? null : unreachable + " of " + pods + " pods: " + firstError;
    return new Result(
        new WorkerHealth(
            ready ? WorkerHealth.READY : WorkerHealth.NOT_READY,
            checks,
            now,
            message,
            pods,
            notReady,
            unreachable),
        email);
  }

  /** Whether {@code round} is newer than any round recorded for the pipeline (it then is). */
  private boolean latest(ResourceID id, long round) {
    boolean[] newer = {false};
    roundRecorded.compute(
        id,
        (key, last) -> {
          newer[0] = last == null || round > last;
          return newer[0] ? round : last;
        });
    return newer[0];
  }

  private void forget(ResourceID id) {
    if (results.remove(id) != null && isRunning()) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  private void record(ResourceID id, Result found) {
    if (!targets.containsKey(id)) {
      return;
    }
    Result previous = results.get(id);
    WorkerHealth health = found.health();
    SesAccountStatus email = found.email();
    if (previous != null) {
      // Unchanged results keep the time they were first seen; SES figures the pods stopped
      // reporting stay as last read.
      if (health.sameResultAs(previous.health())) {
        health = previous.health();
      }
      if (email == null || email.sameFiguresAs(previous.email())) {
        email = previous.email();
      }
    }
    Result merged = new Result(health, email);
    if (merged.equals(previous)) {
      return;
    }
    results.put(id, merged);
    if (previous == null || health != previous.health()) {
      log.atInfo()
          .addKeyValue("pipeline", id.toString())
          .addKeyValue("status", health.status())
          .addKeyValue("checks", health.checks())
          .addKeyValue("pods", health.pods())
          .log("worker health changed");
    }
    if (isRunning()) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
