package io.vibework.notify.worker.feedback;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Projections.include;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code suppressions} collection (one document per normalised address, {@code _id} the
 * address), answered from memory so a send costs no MongoDB round trip.
 *
 * <p>A background thread re-reads the documents changed since its last read every {@code refresh}
 * (only {@code _id} and {@code suppressed}), and the whole list every {@code fullReload} (which
 * also drops deleted documents). An address suppressed by another worker is therefore refused here
 * within one {@code refresh}; one released by setting {@code suppressed: false} with a new {@code
 * updatedAt} is sent to again within one {@code refresh}, a deleted one within one {@code
 * fullReload}. Suppressions this worker writes itself apply at once.
 *
 * <p>While the copy is older than three refreshes (MongoDB away, or not read yet at start-up) each
 * check asks MongoDB directly instead, so the staleness bound holds whatever happens.
 */
public final class SuppressionList implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SuppressionList.class);
  // Documents written just before a read may become visible just after it.
  private static final Duration OVERLAP = Duration.ofSeconds(5);

  private final MongoCollection<Document> suppressions;
  private final Duration refresh;
  private final Duration fullReload;
  private final Clock clock;
  private final Set<String> suppressed = ConcurrentHashMap.newKeySet();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Thread refresher;
  private volatile Instant freshAt = Instant.MIN;
  private Instant readSince = Instant.MIN;
  private Instant fullAt = Instant.MIN;

  public SuppressionList(
      MongoDatabase database,
      Duration refresh,
      Duration fullReload,
      Clock clock,
      MeterRegistry registry) {
    this.suppressions = database.getCollection("suppressions");
    this.refresh = refresh;
    this.fullReload = fullReload;
    this.clock = clock;
    Gauge.builder("notify.worker.suppressions", suppressed, Set::size)
        .description("Addresses on the suppression list, as this worker last read it")
        .register(registry);
    this.refresher = Thread.ofVirtual().name("suppression-list").unstarted(this::refreshLoop);
  }

  public SuppressionList start() {
    refresher.start();
    return this;
  }

  /** Lower case, surrounding spaces trimmed: SES treats addresses case-insensitively. */
  public static String normalise(String address) {
    return address.strip().toLowerCase(Locale.ROOT);
  }

  /**
   * Whether {@code address} must not be mailed. Throws {@link TransientFailure} only when the copy
   * is stale and MongoDB does not answer either.
   */
  public boolean isSuppressed(String address) {
    String key = normalise(address);
    if (Duration.between(freshAt, clock.instant()).compareTo(refresh.multipliedBy(3)) <= 0) {
      return suppressed.contains(key);
    }
    try {
      Document doc = suppressions.find(eq("_id", key)).projection(include("suppressed")).first();
      return doc != null && Boolean.TRUE.equals(doc.getBoolean("suppressed"));
    } catch (MongoException e) {
      throw new TransientFailure(
          "mongodb suppression check failed: " + e.getClass().getSimpleName(), e);
    }
  }

  /** Applies a suppression or release this worker has just written. */
  public void noteWritten(String address, boolean isSuppressed) {
    if (isSuppressed) {
      suppressed.add(normalise(address));
    } else {
      suppressed.remove(normalise(address));
    }
  }

  public int size() {
    return suppressed.size();
  }

  private void refreshLoop() {
    do {
      try {
        read();
      } catch (MongoException | IllegalStateException e) {
        log.atWarn()
            .addKeyValue("error", e.getClass().getSimpleName())
            .log("suppression list not refreshed; checking MongoDB per email until it is");
      }
    } while (!sleep());
  }

  private boolean sleep() {
    try {
      return closed.await(refresh.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      return true;
    }
  }

  private void read() {
    Instant started = clock.instant();
    boolean full = Duration.between(fullAt, started).compareTo(fullReload) >= 0;
    if (full) {
      Set<String> fresh = ConcurrentHashMap.newKeySet();
      for (Document doc : suppressions.find(eq("suppressed", true)).projection(include("_id"))) {
        fresh.add(doc.getString("_id"));
      }
      suppressed.retainAll(fresh);
      suppressed.addAll(fresh);
      fullAt = started;
    } else {
      for (Document doc :
          suppressions
              .find(gte("updatedAt", Date.from(readSince.minus(OVERLAP))))
              .projection(include("_id", "suppressed"))) {
        noteWritten(doc.getString("_id"), Boolean.TRUE.equals(doc.getBoolean("suppressed")));
      }
    }
    readSince = started;
    freshAt = started;
  }

  @Override
  public void close() throws InterruptedException {
    closed.countDown();
    refresher.join(Duration.ofSeconds(5));
  }
}
