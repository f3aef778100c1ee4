package io.vibework.notify.worker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.templates.InvalidTemplateException;
import io.vibework.notify.templates.TemplateSet;
import io.vibework.notify.worker.cache.RedisCache;
import io.vibework.notify.worker.config.TemplateSettings;
import io.vibework.notify.worker.config.WorkerConfig;
import io.vibework.notify.worker.delivery.DeliveryPipeline;
import io.vibework.notify.worker.delivery.StopSignal;
import io.vibework.notify.worker.email.EmailComposer;
import io.vibework.notify.worker.email.EmailTemplates;
import io.vibework.notify.worker.email.MissingTemplates;
import io.vibework.notify.worker.email.SendRateLimiter;
import io.vibework.notify.worker.email.SesAccountGate;
import io.vibework.notify.worker.email.SesEmailSender;
import io.vibework.notify.worker.email.SesQuotaWatcher;
import io.vibework.notify.worker.email.SesStoredTemplates;
import io.vibework.notify.worker.email.TemplateDirectory;
import io.vibework.notify.worker.feedback.FeedbackConsumer;
import io.vibework.notify.worker.feedback.FeedbackEffects;
import io.vibework.notify.worker.feedback.ReputationGuard;
import io.vibework.notify.worker.feedback.ReputationWindow;
import io.vibework.notify.worker.feedback.SuppressionList;
import io.vibework.notify.worker.health.CheckFailed;
import io.vibework.notify.worker.health.HealthCheck;
import io.vibework.notify.worker.health.HealthServer;
import io.vibework.notify.worker.notification.DeliveryLedger;
import io.vibework.notify.worker.pubsub.EventPublisher;
import io.vibework.notify.worker.pubsub.NotificationSubscriber;
import io.vibework.notify.worker.pubsub.PubSubTransport;
import io.vibework.notify.worker.user.UserLookup;
import io.vibework.notify.worker.user.UserRepository;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running worker: every client, the pipeline, the subscriber and the HTTP endpoints, wired
 * once.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final RedisCache cache;
  private final UserRepository userRepository;
  private final MongoClient mongo;
  private final SesEmailSender sender;
  private final MissingTemplates missingTemplates = new MissingTemplates();
  private final boolean sesStoredTemplates;
  private final SesQuotaWatcher quota;
  private final SuppressionList suppressions;
  private final Optional<FeedbackConsumer> feedback;
  private final DeliveryPipeline pipeline;
  private final PubSubTransport transport;
  private final EventPublisher events;
  private final NotificationSubscriber subscriber;
  private final HealthServer http;

  private Worker(WorkerConfig config, Clock clock, Consumer<Throwable> onFatal) throws IOException {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    ObjectMapper json = new ObjectMapper();
    sesStoredTemplates = config.templates().source() == TemplateSettings.Source.SES;

    cache = new RedisCache(config.cache(), registry);
    userRepository = new UserRepository(config.mysql(), registry);
    mongo =
        MongoClients.create(
            MongoClientSettings.builder()
                .applyConnectionString(config.mongo().url())
                .applyToConnectionPoolSettings(pool -> pool.maxSize(config.mongo().poolSize()))
                .applyToClusterSettings(
                    cluster -> cluster.serverSelectionTimeout(5, TimeUnit.SECONDS))
                .build());
    MongoDatabase database = mongo.getDatabase(config.mongo().database());
    Optional<SendRateLimiter> rateLimiter =
        config.email().maxSendRate() > 0
            ? Optional.of(
                new SendRateLimiter(
                    cache,
                    "ses-rate:"
                        + config.pubsub().projectId()
                        + "/"
                        + config.pubsub().subscription(),
                    config.email().maxSendRate(),
                    config.email().rateShare(),
                    registry))
            : Optional.empty();
    sender = new SesEmailSender(config.email(), missingTemplates, registry);
    quota = new SesQuotaWatcher(sender, config.email().maxSendRate(), clock, registry);
    SesAccountGate account = new SesAccountGate(clock, registry);
    transport = new PubSubTransport(config.pubsub());
    events = new EventPublisher(config.pubsub(), config.feedback().topic(), transport, json, clock);
    StopSignal stop = new StopSignal(clock);
    suppressions =
        new SuppressionList(
            database,
            config.suppressionRefresh(),
            config.suppressionRefresh().multipliedBy(20),
            clock,
            registry);

    ReputationWindow reputation = new ReputationWindow(clock, sender::sentSoFar, registry);
    ReputationGuard reputationGuard =
        new ReputationGuard(config.reputationGuard(), reputation, clock, registry);
    pipeline =
        new DeliveryPipeline(
            json,
            new DeliveryLedger(database, workerId(), config.claimLease(), clock),
            new UserLookup(cache, userRepository, json),
            composer(config, json),
            sender,
            suppressions,
            rateLimiter,
            account,
            reputationGuard,
            events,
            config.pubsub().maxDeliveryAttempts(),
            config.unknownRecordGrace(),
            stop,
            clock,
            registry);
    feedback =
        config.feedback().queueUrl().isPresent()
            ? Optional.of(
                new FeedbackConsumer(
                    config.feedback(),
                    config.email(),
                    new FeedbackEffects(
                        database,
                        suppressions,
                        config.feedback().transientBounceLimit(),
                        config.feedback().transientBounceWindow(),
                        clock),
                    config.feedback().topic().isPresent()
                        ? Optional.<FeedbackConsumer.FeedbackTopic>of(events::publishFeedback)
                        : Optional.empty(),
                    reputation,
                    json,
                    registry))
            : Optional.empty();
    subscriber =
        new NotificationSubscriber(
            config.pubsub(), transport, pipeline, config.shutdownGrace(), stop, registry, onFatal);

    List<HealthCheck> checks =
        new ArrayList<>(
            List.of(
                HealthCheck.of("database", userRepository::ping),
                HealthCheck.of("cache", cache::ping),
                HealthCheck.of("notifications", () -> database.runCommand(new Document("ping", 1))),
                HealthCheck.of(
                    "pubsub",
                    () -> {
                      if (!subscriber.isRunning()) {
                        throw new CheckFailed("subscriber_not_running");
                      }
                    }),
                HealthCheck.of(
                    "email",
                    () -> {
                      Optional<String> blockedBy = account.blockedBy();
                      if (blockedBy.isPresent()) {
                        throw new CheckFailed(blockedBy.get());
                      }
                      if (reputationGuard.trippedBy().isPresent()) {
                        throw new CheckFailed(ReputationGuard.CHECK_VALUE);
                      }
                    })));
    feedback.ifPresent(
        consumer ->
            checks.add(
                HealthCheck.advisory(
                    "feedback",
                    () -> {
                      if (!consumer.healthy()) {
                        throw new CheckFailed(consumer.error().orElse("unreachable"));
                      }
                    })));
    http =
        HealthServer.start(
            config.httpBindAddress().orElse(null),
            config.httpPort(),
            checks,
            () -> {
              Map<String, Object> details = new java.util.LinkedHashMap<>();
              quota.detail().ifPresent(d -> details.put("sesAccount", d));
              if (sesStoredTemplates) {
                details.put("sesTemplates", missingTemplates.detail());
              }
              // Counts, not rates: the operator sums them over the pods before dividing.
              feedback.ifPresent(
                  consumer -> {
                    long[] window = reputation.totals();
                    var suppressedSends =
                        registry.find("notify.worker.emails.suppressed").counter();
                    Map<String, Object> reported = new java.util.LinkedHashMap<>();
                    reported.put("sends24h", window[0]);
                    reported.put("hardBounces24h", window[1]);
                    reported.put("complaints24h", window[2]);
                    reported.put("suppressedAddresses", suppressions.size());
                    reported.put(
                        "suppressedSends",
                        suppressedSends == null ? 0L : (long) suppressedSends.count());
                    reputationGuard.trippedBy().ifPresent(r -> reported.put("reputationGuard", r));
                    details.put("sesFeedback", reported);
                  });
              return details;
            },
            subscriber::isRunning,
            registry);
  }

  /**
   * Connects everything and starts consuming.
   *
   * @param onFatal called when the subscriber fails for good (say the subscription was deleted)
   */
  private EmailComposer composer(WorkerConfig config, ObjectMapper json) {
    return sesStoredTemplates
        ? new SesStoredTemplates(config.templates().sesPrefix(), missingTemplates, json)
        : new EmailTemplates(templates(config));
  }

  private static TemplateSet templates(WorkerConfig config) {
    try {
      return TemplateDirectory.load(config.templates().directory());
    } catch (InvalidTemplateException e) {
      // WorkerMain checks the set before starting; this is for callers that did not.
      throw new IllegalArgumentException("EMAIL_TEMPLATES_DIR: " + e.getMessage(), e);
    }
  }

  public static Worker start(WorkerConfig config, Clock clock, Consumer<Throwable> onFatal)
      throws IOException {
    Worker worker = new Worker(config, clock, onFatal);
    worker.quota.start();
    if (worker.sesStoredTemplates) {
      worker.missingTemplates.start(worker.sender::templateExists);
    }
    worker.suppressions.start();
    worker.feedback.ifPresent(FeedbackConsumer::start);
    worker.subscriber.start();
    log.atInfo()
        .addKeyValue("httpPort", worker.http.port())
        .addKeyValue("subscription", config.pubsub().subscription())
        .log("worker started");
    return worker;
  }

  public int httpPort() {
    return http.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Graceful stop: pull no more, settle what is held, then close the clients. */
  @Override
  public void close() {
    boolean settled = subscriber.stop();
    log.atInfo().addKeyValue("settled", settled).log("subscriber stopped");
    closeQuietly(pipeline::close);
    closeQuietly(quota::close);
    closeQuietly(missingTemplates::close);
    if (feedback.isPresent()) {
      closeQuietly(feedback.get()::close);
    }
    closeQuietly(suppressions::close);
    closeQuietly(events::close);
    closeQuietly(transport::close);
    closeQuietly(sender::close);
    closeQuietly(cache::close);
    closeQuietly(userRepository::close);
    closeQuietly(mongo::close);
    closeQuietly(http::close);
  }

  private static String workerId() {
    try {
      return InetAddress.getLocalHost().getHostName() + "/" + UUID.randomUUID();
    } catch (IOException e) {
      return UUID.randomUUID().toString();
    }
  }

  private interface Closer {
    void close() throws Exception;
  }

  private static void closeQuietly(Closer closer) {
    try {
      closer.close();
    } catch (Exception e) {
      log.atWarn().addKeyValue("error", e.getClass().getSimpleName()).log("error while closing");
    }
  }
}
