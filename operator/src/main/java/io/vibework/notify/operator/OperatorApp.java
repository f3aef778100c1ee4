package io.vibework.notify.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vibework.notify.operator.config.OperatorConfig;
import io.vibework.notify.operator.health.RedisPinger;
import io.vibework.notify.operator.health.WorkerAddressResolver;
import io.vibework.notify.operator.http.OperatorHttpServer;
import io.vibework.notify.operator.metrics.OperatorMetrics;
import io.vibework.notify.operator.pubsub.PubSubAdmin;
import io.vibework.notify.operator.pubsub.PubSubProvisioning;
import io.vibework.notify.operator.pubsub.SubscriptionProvisioner;
import io.vibework.notify.operator.reconciler.CacheConfigReconciler;
import io.vibework.notify.operator.reconciler.NotificationPipelineReconciler;
import io.vibework.notify.operator.reconciler.PubSubCleanupReconciler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running operator: JOSDK with both controllers, metrics and the HTTP endpoints. Tests start it
 * the same way as main does, with a mock API server's client and a loopback address resolver.
 */
public final class OperatorApp implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OperatorApp.class);

  private final Operator operator;
  private final OperatorHttpServer http;
  private final RedisPinger pinger;
  private final PubSubAdmin pubsub;
  private final PrometheusMeterRegistry registry;
  private final NotificationPipelineReconciler pipelines;
  private final AtomicBoolean closing;

  private OperatorApp(
      Operator operator,
      OperatorHttpServer http,
      RedisPinger pinger,
      PubSubAdmin pubsub,
      PrometheusMeterRegistry registry,
      NotificationPipelineReconciler pipelines,
      AtomicBoolean closing) {
    this.pubsub = pubsub;
    this.operator = operator;
    this.closing = closing;
    this.http = http;
    this.pinger = pinger;
    this.registry = registry;
    this.pipelines = pipelines;
  }

  public static OperatorApp start(
      OperatorConfig config, KubernetesClient client, WorkerAddressResolver resolver, Clock clock) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    AtomicBoolean closing = new AtomicBoolean();
    AtomicBoolean leading = new AtomicBoolean(!config.leaderElectionEnabled());
    metrics.leader(leading::get);

    Operator operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  // The test API server has no server-side apply; run the same code path in
                  // production.
                  .withSSABasedCreateUpdateMatchForDependentResources(false)
                  .withUseSSAToPatchPrimaryResource(false)
                  .withConcurrentReconciliationThreads(16)
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(true)
                  .withCacheSyncTimeout(Duration.ofMinutes(2));
              if (config.leaderElectionEnabled()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            config.leaderElectionLeaseName())
                        .withLeaseNamespace(config.leaderElectionNamespace())
                        // JOSDK's own exit on losing the Lease calls System.exit from inside
                        // operator.stop(), which deadlocks when stop() runs in the SIGTERM
                        // shutdown hook: the pod then hangs until SIGKILL. Exit ourselves, and
                        // only when the Lease is lost while still running.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                () -> leading.set(true),
                                () -> {
                                  leading.set(false);
                                  lostLeadership(closing);
                                },
                                leader -> {}))
                        .build());
              }
            });

    RedisPinger pinger = new RedisPinger(Duration.ofSeconds(2));
    // Clients are opened on first use: a cluster without provisioning pipelines never opens them.
    PubSubAdmin pubsub = new PubSubAdmin();
    PubSubProvisioning provisioning =
        new PubSubProvisioning(new SubscriptionProvisioner(pubsub), clock);
    NotificationPipelineReconciler pipelines =
        new NotificationPipelineReconciler(
            resolver, config.probeInterval(), clock, metrics, provisioning);
    CacheConfigReconciler caches =
        new CacheConfigReconciler(pinger, config.probeInterval(), clock, metrics);
    operator.register(pipelines, c -> namespaces(c, config));
    operator.register(caches, c -> namespaces(c, config));
    operator.register(new PubSubCleanupReconciler(provisioning, clock), c -> namespaces(c, config));

    OperatorHttpServer http;
    try {
      http =
          OperatorHttpServer.start(
              config.httpPort(),
              () ->
                  !operator.getRuntimeInfo().isStarted()
                      || operator.getRuntimeInfo().allEventSourcesAreHealthy(),
              () -> operator.getRuntimeInfo().isStarted(),
              registry);
    } catch (IOException e) {
      pinger.close();
      pubsub.close();
      throw new UncheckedIOException("cannot listen on HTTP_PORT " + config.httpPort(), e);
    }
    operator.start();
    return new OperatorApp(operator, http, pinger, pubsub, registry, pipelines, closing);
  }

  /** Another replica may already act: stop at once so the pod restarts and campaigns again. */
  private static void lostLeadership(AtomicBoolean closing) {
    if (!closing.get()) {
      log.error("lost the leader-election Lease; exiting so the pod restarts as a candidate");
      Thread.ofPlatform().name("exit-on-lost-lease").start(() -> System.exit(1));
    }
  }

  private static void namespaces(ControllerConfigurationOverrider<?> c, OperatorConfig config) {
    if (config.watchAllNamespaces()) {
      c.watchingAllNamespaces();
    } else {
      c.settingNamespaces(config.watchNamespaces());
    }
  }

  public int httpPort() {
    return http.port();
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public NotificationPipelineReconciler pipelines() {
    return pipelines;
  }

  @Override
  public void close() {
    closing.set(true);
    operator.stop();
    http.close();
    pinger.close();
    pubsub.close();
  }
}
