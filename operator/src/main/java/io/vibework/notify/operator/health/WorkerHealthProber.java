package io.vibework.notify.operator.health;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javaoperatorsdk.operator.OperatorException;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.AbstractEventSource;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.WorkerHealth;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * Probes the workers' /readyz on a schedule and triggers a reconcile only when a pipeline's result
 * changes, so a steady cluster stays write-free. Being an event source, JOSDK starts it only on the
 * leader and stops it with the operator.
 */
public class WorkerHealthProber extends AbstractEventSource<WorkerHealth, NotificationPipeline> {

  private static final Logger log = LoggerFactory.getLogger(WorkerHealthProber.class);
  private static final Pattern CHECK_NAME = Pattern.compile("^[A-Za-z0-9_.-]{1,40}$");
  private static final Pattern CHECK_VALUE = Pattern.compile("^[A-Za-z0-9_ .-]{1,40}$");
  // Bounds sockets and threads when thousands of pipelines share one operator.
  private static final int MAX_CONCURRENT_PROBES = 32;

  private final WorkerAddressResolver resolver;
  private final Duration interval;
  private final Duration timeout;
  private final Clock clock;
  private final Function<ResourceID, Optional<NotificationPipeline>> primaryLookup;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<ResourceID, Boolean> targets = new ConcurrentHashMap<>();
  private final Map<ResourceID, WorkerHealth> results = new ConcurrentHashMap<>();
  private final Semaphore inFlight = new Semaphore(MAX_CONCURRENT_PROBES);
  private HttpClient http;
  private ScheduledExecutorService scheduler;

  public WorkerHealthProber(
      WorkerAddressResolver resolver,
      Duration interval,
      Clock clock,
      Function<ResourceID, Optional<NotificationPipeline>> primaryLookup) {
    super(WorkerHealth.class, "worker-health");
    this.resolver = resolver;
    this.interval = interval;
    this.timeout = Duration.ofSeconds(Math.min(5, Math.max(1, interval.toSeconds() / 2)));
    this.clock = clock;
    this.primaryLookup = primaryLookup;
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

  /** Start probing a pipeline whose workers can answer; the first probe runs at once. */
  public void watch(NotificationPipeline pipeline) {
    ResourceID id = ResourceID.fromResource(pipeline);
    if (targets.putIfAbsent(id, Boolean.TRUE) == null && isRunning()) {
      scheduler.execute(() -> probe(pipeline));
    }
  }

  /** Stop probing (no ready worker, or pipeline gone) and drop what was last seen. */
  public void unwatch(ResourceID id) {
    targets.remove(id);
    results.remove(id);
  }

  public Optional<WorkerHealth> current(ResourceID id) {
    return Optional.ofNullable(results.get(id));
  }

  @Override
  public Set<WorkerHealth> getSecondaryResources(NotificationPipeline primary) {
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
    URI uri = resolver.readyzUri(pipeline);
    HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
    inFlight.acquire();
    try {
      http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
          .whenComplete(
              (response, error) -> {
                inFlight.release();
                record(id, error == null ? parse(response) : unreachable(error));
              });
    } catch (RuntimeException e) {
      inFlight.release();
      record(id, unreachable(e));
    }
  }

  WorkerHealth parse(HttpResponse<String> response) {
    String now = now();
    try {
      JsonNode body = json.readTree(response.body());
      String status = body.path("status").asText("");
      if (!status.equals(WorkerHealth.READY) && !status.equals(WorkerHealth.NOT_READY)) {
        return new WorkerHealth(
            WorkerHealth.UNREACHABLE,
            Map.of(),
            now,
            "HTTP " + response.statusCode() + " without a /readyz status");
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
      return new WorkerHealth(status, checks, now, null);
    } catch (Exception e) {
      return new WorkerHealth(
          WorkerHealth.UNREACHABLE,
          Map.of(),
          now,
          "HTTP " + response.statusCode() + " with a body that is not JSON");
    }
  }

  private WorkerHealth unreachable(Throwable error) {
    Throwable cause = error.getCause() != null ? error.getCause() : error;
    return new WorkerHealth(
        WorkerHealth.UNREACHABLE,
        Map.of(),
        now(),
        "/readyz did not answer: " + cause.getClass().getSimpleName());
  }

  private void record(ResourceID id, WorkerHealth health) {
    if (!targets.containsKey(id)) {
      return;
    }
    WorkerHealth previous = results.get(id);
    if (health.sameResultAs(previous)) {
      return;
    }
    results.put(id, health);
    log.atInfo()
        .addKeyValue("pipeline", id.toString())
        .addKeyValue("status", health.status())
        .addKeyValue("checks", health.checks())
        .log("worker health changed");
    if (isRunning()) {
      getEventHandler().handleEvent(new Event(id));
    }
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
