package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.javaoperatorsdk.operator.processing.retry.GradualRetry;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineStatus;
import io.vibework.notify.operator.autoscaling.KedaAutoscaler;
import io.vibework.notify.operator.dependent.ConfigMapDependent;
import io.vibework.notify.operator.dependent.DeploymentDependent;
import io.vibework.notify.operator.dependent.NeedsDisruptionBudget;
import io.vibework.notify.operator.dependent.PodDisruptionBudgetDependent;
import io.vibework.notify.operator.dependent.ServiceDependent;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.health.WorkerAddressResolver;
import io.vibework.notify.operator.health.WorkerHealthProber;
import io.vibework.notify.operator.informer.ProbedPodStore;
import io.vibework.notify.operator.informer.SerializedStore;
import io.vibework.notify.operator.informer.WithoutManagedFieldsStore;
import io.vibework.notify.operator.metrics.OperatorMetrics;
import io.vibework.notify.operator.pubsub.PubSubProvisioning;
import io.vibework.notify.operator.secrets.DigestingSecretStore;
import io.vibework.notify.operator.secrets.SecretDigests;
import io.vibework.notify.operator.validation.InvalidSpecException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves and checks a pipeline's inputs, then runs the dependents explicitly: a bad spec must
 * leave the running workers alone rather than half-apply a broken Deployment.
 */
// Not generation-aware: the pause switch is an annotation, which does not move
// metadata.generation, and removing it must resume at once. OutcomeChangingUpdates keeps status
// writes (our own first) from coming back as reconciles.
@ControllerConfiguration(
    name = NotificationPipelineReconciler.NAME,
    generationAwareEventProcessing = false,
    informer =
        @Informer(
            onUpdateFilter = OutcomeChangingUpdates.class,
            itemStore = SerializedStore.Pipelines.class))
@GradualRetry(
    maxAttempts = -1,
    initialInterval = 2000,
    intervalMultiplier = 2,
    maxInterval = 300_000)
@Workflow(
    explicitInvocation = true,
    dependents = {
      @Dependent(name = "configmap", type = ConfigMapDependent.class),
      @Dependent(name = "deployment", type = DeploymentDependent.class, dependsOn = "configmap"),
      @Dependent(name = "service", type = ServiceDependent.class),
      @Dependent(
          name = "pdb",
          type = PodDisruptionBudgetDependent.class,
          reconcilePrecondition = NeedsDisruptionBudget.class)
    })
public class NotificationPipelineReconciler implements Reconciler<NotificationPipeline> {

  public static final String NAME = "notificationpipeline";
  static final String KIND = "NotificationPipeline";
  private static final Logger log = LoggerFactory.getLogger(NotificationPipelineReconciler.class);
  private static final String BY_CACHE = "byCacheRef";
  private static final String BY_SECRET = "bySecret";
  private static final String BY_TEMPLATES = "byTemplatesConfigMap";
  private static final String BY_PIPELINE = "byPipeline";
  private static final long SECRET_LIST_PAGE = 50;

  private final WorkerAddressResolver addressResolver;
  private final Duration probeInterval;
  private final Clock clock;
  private final OperatorMetrics metrics;
  private final PipelineStatusBuilder statusBuilder;
  private final EventRecorderFactory events;
  private final KedaAutoscaler autoscaler;
  private final ProgressWrites progressWrites;
  private final PubSubProvisioning provisioning;

  // Set once by JOSDK's prepareEventSources, before any reconcile.
  private InformerEventSource<CacheConfig, NotificationPipeline> cacheConfigs;
  private InformerEventSource<Secret, NotificationPipeline> secrets;
  private InformerEventSource<Pod, NotificationPipeline> pods;
  private InformerEventSource<ConfigMap, NotificationPipeline> templateConfigMaps;
  private WorkerHealthProber prober;

  /** Events need the client JOSDK hands the reconciler, so they are created per call. */
  @FunctionalInterface
  public interface EventRecorderFactory {
    EventRecorder create(Context<?> context);
  }

  public NotificationPipelineReconciler(
      WorkerAddressResolver addressResolver,
      Duration probeInterval,
      Clock clock,
      OperatorMetrics metrics,
      PubSubProvisioning provisioning) {
    this.provisioning = provisioning;
    this.addressResolver = addressResolver;
    this.probeInterval = probeInterval;
    this.clock = clock;
    this.metrics = metrics;
    this.statusBuilder = new PipelineStatusBuilder(clock);
    this.autoscaler = new KedaAutoscaler(clock);
    this.progressWrites = new ProgressWrites(clock);
    this.events = ctx -> new EventRecorder(ctx.getClient(), clock);
  }

  @Override
  public List<EventSource<?, NotificationPipeline>> prepareEventSources(
      EventSourceContext<NotificationPipeline> context) {
    var primaries = context.getPrimaryCache();
    primaries.addIndexer(
        BY_CACHE,
        p ->
            p.getSpec() == null || p.getSpec().cacheRef() == null
                ? List.of()
                : List.of(key(p.getMetadata().getNamespace(), p.getSpec().cacheRef().name())));
    primaries.addIndexer(
        BY_SECRET,
        p ->
            PipelineInputsResolver.directSecretNames(p.getSpec()).stream()
                .map(s -> key(p.getMetadata().getNamespace(), s))
                .distinct()
                .toList());

    primaries.addIndexer(
        BY_TEMPLATES,
        p -> {
          String name = PipelineInputsResolver.templatesConfigMapName(p.getSpec());
          return name == null ? List.of() : List.of(key(p.getMetadata().getNamespace(), name));
        });
    // The users' template ConfigMaps (a second ConfigMap source beside the workers' own): only a
    // change of their data matters.
    templateConfigMaps =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(ConfigMap.class, NotificationPipeline.class)
                .withName("template-configmaps")
                .withItemStore(new SerializedStore.ConfigMaps())
                .withNamespacesInheritedFromController()
                .withOnUpdateFilter((n, o) -> !Objects.equals(n.getData(), o.getData()))
                .withSecondaryToPrimaryMapper(
                    cm ->
                        ids(
                            primaries.byIndex(
                                BY_TEMPLATES,
                                key(cm.getMetadata().getNamespace(), cm.getMetadata().getName()))))
                .build(),
            context);

    cacheConfigs =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(CacheConfig.class, NotificationPipeline.class)
                .withName("cacheconfigs")
                .withItemStore(new WithoutManagedFieldsStore<>())
                .withNamespacesInheritedFromController()
                // Status writes by the CacheConfig controller do not change what workers get;
                // its spec and its pause switch do.
                .withOnUpdateFilter(
                    (n, o) ->
                        !Objects.equals(n.getSpec(), o.getSpec())
                            || Pause.isPaused(n) != Pause.isPaused(o))
                .withSecondaryToPrimaryMapper(
                    cc ->
                        ids(
                            primaries.byIndex(
                                BY_CACHE,
                                key(cc.getMetadata().getNamespace(), cc.getMetadata().getName()))))
                .build(),
            context);

    secrets =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Secret.class, NotificationPipeline.class)
                .withName("secrets")
                .withNamespacesInheritedFromController()
                // Only digests are kept (no values, nothing of Secrets nobody references); lists
                // come in pages so a namespace of large Secrets never arrives in one response.
                .withItemStore(new DigestingSecretStore())
                .withInformerListLimit(SECRET_LIST_PAGE)
                .withOnUpdateFilter(
                    (n, o) ->
                        !Objects.equals(
                            SecretDigests.digest(n).getData(), SecretDigests.digest(o).getData()))
                .withSecondaryToPrimaryMapper(
                    secret -> {
                      String ns = secret.getMetadata().getNamespace();
                      String name = secret.getMetadata().getName();
                      Set<ResourceID> ids =
                          new HashSet<>(ids(primaries.byIndex(BY_SECRET, key(ns, name))));
                      // The Redis password is named by the CacheConfig, so reach pipelines through
                      // it. Event sources start in parallel: a Secret seen before the CacheConfig
                      // cache runs maps through it later, as every pipeline reconciles once all
                      // sources have started (listing it now failed the operator's start-up).
                      if (!cacheConfigs.isRunning()) {
                        return ids;
                      }
                      cacheConfigs
                          .list(
                              ns,
                              cc ->
                                  cc.getSpec() != null
                                      && cc.getSpec().passwordSecretRef() != null
                                      && name.equals(cc.getSpec().passwordSecretRef().name()))
                          .forEach(
                              cc ->
                                  ids.addAll(
                                      ids(
                                          primaries.byIndex(
                                              BY_CACHE, key(ns, cc.getMetadata().getName())))));
                      return ids;
                    })
                .build(),
            context);

    // Worker pods (the operator's label only): the prober reads them from this cache by an index
    // keyed by pipeline. Only what changes the pipeline's outcome reconciles: a pod that can now
    // be probed or no longer can, a new IP, a readiness transition. Other pod status churn does
    // not.
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, NotificationPipeline.class)
                .withName("pods")
                .withItemStore(new ProbedPodStore())
                .withNamespacesInheritedFromController()
                .withLabelSelector(WorkerObjects.MANAGED_BY_SELECTOR)
                .withOnUpdateFilter(
                    (n, o) ->
                        !WorkerHealthProber.podFacts(n).equals(WorkerHealthProber.podFacts(o)))
                .withSecondaryToPrimaryMapper(
                    pod -> {
                      String pipeline = pipelineOf(pod);
                      return pipeline == null
                          ? Set.of()
                          : Set.of(new ResourceID(pipeline, pod.getMetadata().getNamespace()));
                    })
                .build(),
            context);
    pods.addIndexers(
        Map.of(
            BY_PIPELINE,
            pod -> {
              String pipeline = pipelineOf(pod);
              return pipeline == null
                  ? List.of()
                  : List.of(key(pod.getMetadata().getNamespace(), pipeline));
            }));

    prober =
        new WorkerHealthProber(
            addressResolver, probeInterval, clock, primaries::get, this::workerPods);
    return List.of(cacheConfigs, secrets, templateConfigMaps, pods, prober);
  }

  private static String pipelineOf(Pod pod) {
    return pod.getMetadata().getLabels() == null
        ? null
        : pod.getMetadata().getLabels().get(WorkerObjects.INSTANCE_LABEL);
  }

  /** Pods matching the pipeline's Deployment selector, read from the informer's index. */
  private List<Pod> workerPods(NotificationPipeline p) {
    Map<String, String> selector = WorkerObjects.selectorLabels(p);
    return pods
        .byIndex(BY_PIPELINE, key(p.getMetadata().getNamespace(), p.getMetadata().getName()))
        .stream()
        .filter(
            pod ->
                pod.getMetadata().getLabels() != null
                    && pod.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
        .toList();
  }

  @Override
  public UpdateControl<NotificationPipeline> reconcile(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    ResourceID id = ResourceID.fromResource(p);
    // First, so a namespace whose pipelines are all broken is counted too.
    metrics
        .resources()
        .track(
            KIND, p.getMetadata().getNamespace(), context.getPrimaryCache(), ReadyPipelines::ready);
    PipelineInputs inputs =
        new PipelineInputsResolver(
                (ns, name) -> cacheConfigs.get(new ResourceID(name, ns)),
                (ns, name) -> secrets.get(new ResourceID(name, ns)),
                (ns, name) -> templateConfigMaps.get(new ResourceID(name, ns)))
            .resolve(p);
    inputs.putInto(context);
    Integer replicasBefore =
        context
            .getSecondaryResource(Deployment.class)
            .map(d -> d.getSpec() == null ? null : d.getSpec().getReplicas())
            .orElse(null);
    Optional<String> paused =
        Pause.of(
            p,
            cacheConfigs
                .get(new ResourceID(p.getSpec().cacheRef().name(), p.getMetadata().getNamespace()))
                .orElse(null));
    Optional<PubSubProvisioning.State> pubsub;
    if (paused.isEmpty()) {
      context
          .managedWorkflowAndDependentResourceContext()
          .reconcileManagedWorkflow()
          .throwAggregateExceptionIfErrorsPresent();
      // After the Deployment: without KEDA the workers keep spec.replicas and the status says why.
      autoscaler.forgetDeleted(pipeline -> context.getPrimaryCache().get(pipeline).isPresent());
      autoscaler.reconcile(context.getClient(), p);
      pubsub = provisionPubSub(p, context);
    } else {
      pubsub = p.getSpec().pubsub().provisions() ? provisioning.last(id) : Optional.empty();
    }

    Optional<Deployment> deployment = context.getSecondaryResource(Deployment.class);
    // Every pod the Deployment runs is probed, ready or not: a pod whose dependency check fails
    // is exactly the one whose answer the status must show.
    int replicas =
        deployment
            .map(Deployment::getStatus)
            .map(s -> s.getReplicas() == null ? 0 : s.getReplicas())
            .orElse(0);
    if (replicas > 0) {
      prober.watch(p);
    } else {
      prober.unwatch(id);
    }
    WorkerHealthProber.Result probe = prober.current(id).orElse(null);
    NotificationPipelineStatus status =
        statusBuilder
            .build(p, deployment.orElse(null), probe)
            .withSelector(WorkerObjects.selectorString(p));
    status = statusBuilder.withOperatorFacts(p, status, pubsub, paused);
    boolean changed = !Objects.equals(status, p.getStatus());
    Optional<Duration> holdBack = changed ? progressWrites.holdBack(p, status) : Optional.empty();
    boolean writing = changed && holdBack.isEmpty();
    if (paused.isEmpty()) {
      // Paused, the Deployment keeps its replicas: nothing was scaled or rolled out. A rollout's
      // end is told with the status that shows it, so a held-back status tells it later.
      PipelineEvents.record(
          events.create(context),
          p,
          replicasBefore,
          deployment.map(d -> d.getMetadata().getGeneration()).orElse(null),
          status,
          writing);
    }
    UpdateControl<NotificationPipeline> control =
        holdBack.isPresent() ? UpdateControl.noUpdate() : writeIfChanged(p, status);
    Optional<Duration> wake = holdBack;
    // A failed provisioning has no event to wake it: try again after a while.
    if (pubsub.isPresent() && !pubsub.get().provisioned()) {
      wake =
          Optional.of(
              wake.filter(d -> d.compareTo(PubSubProvisioning.RETRY) < 0)
                  .orElse(PubSubProvisioning.RETRY));
    }
    return wake.isPresent() ? control.rescheduleAfter(wake.get()) : control;
  }

  /** Ensures Pub/Sub when the pipeline asks for it; Events for what it created or put back. */
  private Optional<PubSubProvisioning.State> provisionPubSub(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    ResourceID id = ResourceID.fromResource(p);
    if (!p.getSpec().pubsub().provisions()) {
      provisioning.forget(id);
      return Optional.empty();
    }
    Optional<PubSubProvisioning.State> before = provisioning.last(id);
    PubSubProvisioning.Check check = provisioning.check(id, p.getSpec().pubsub());
    EventRecorder recorder = events.create(context);
    check
        .changes()
        .ifPresent(
            changes -> {
              List<String> created = new ArrayList<>(changes.createdTopics());
              if (changes.createdSubscription()) {
                created.add("subscription " + p.getSpec().pubsub().subscriptionOrDefault());
              }
              if (!created.isEmpty()) {
                recorder.normal(p, "PubSubProvisioned", "created in Pub/Sub: " + created);
              }
              if (changes.drifted()) {
                recorder.warning(
                    p,
                    "PubSubDriftCorrected",
                    "subscription "
                        + p.getSpec().pubsub().subscriptionOrDefault()
                        + " had been changed outside spec.pubsub ("
                        + String.join(", ", changes.corrected())
                        + "); set back to the spec");
              }
            });
    PubSubProvisioning.State state = check.state();
    boolean newProblem =
        !state.provisioned() && before.map(b -> !b.reason().equals(state.reason())).orElse(true);
    if (newProblem) {
      recorder.warning(p, state.reason(), state.message());
    }
    return Optional.of(state);
  }

  private UpdateControl<NotificationPipeline> writeIfChanged(
      NotificationPipeline p, NotificationPipelineStatus status) {
    if (Objects.equals(status, p.getStatus())) {
      return UpdateControl.noUpdate();
    }
    logTransition(p, status);
    p.setStatus(status);
    progressWrites.written(p);
    metrics.statusWritten(KIND);
    return UpdateControl.patchStatus(p);
  }

  @Override
  public ErrorStatusUpdateControl<NotificationPipeline> updateErrorStatus(
      NotificationPipeline p, Context<NotificationPipeline> context, Exception e) {
    String reason;
    String message;
    var invalidSpec = InvalidSpecException.in(e);
    if (invalidSpec.isPresent()) {
      InvalidSpecException invalid = invalidSpec.get();
      reason = invalid.reason();
      message = invalid.getMessage();
      metrics.invalidSpec(KIND, reason);
    } else {
      reason = "ReconcileFailed";
      message =
          "the operator could not apply the workers' objects ("
              + e.getClass().getSimpleName()
              + "); it retries with backoff: "
              + Objects.toString(e.getMessage(), "");
      if (message.length() > 1000) {
        message = message.substring(0, 1000);
      }
    }
    NotificationPipelineStatus status =
        statusBuilder.invalid(p, reason, message).withSelector(WorkerObjects.selectorString(p));
    if (Objects.equals(status, p.getStatus())) {
      return ErrorStatusUpdateControl.noStatusUpdate();
    }
    boolean newProblem =
        Conditions.find(p.getStatus() == null ? null : p.getStatus().conditions(), Conditions.READY)
            .map(
                c ->
                    !Objects.equals(c.getReason(), reason)
                        || !Objects.equals(c.getMessage(), status.conditions().get(0).getMessage()))
            .orElse(true);
    if (newProblem) {
      events.create(context).warning(p, reason, status.conditions().get(0).getMessage());
    }
    logTransition(p, status);
    p.setStatus(status);
    metrics.statusWritten(KIND);
    return ErrorStatusUpdateControl.patchStatus(p);
  }

  private void logTransition(NotificationPipeline p, NotificationPipelineStatus status) {
    var ready = Conditions.find(status.conditions(), Conditions.READY).orElseThrow();
    var before =
        Conditions.find(
            p.getStatus() == null ? null : p.getStatus().conditions(), Conditions.READY);
    if (before.isEmpty() || !Objects.equals(before.get().getReason(), ready.getReason())) {
      log.atInfo()
          .addKeyValue("namespace", p.getMetadata().getNamespace())
          .addKeyValue("pipeline", p.getMetadata().getName())
          .addKeyValue("ready", ready.getStatus())
          .addKeyValue("reason", ready.getReason())
          .log(ready.getMessage());
    }
  }

  /** For the tests and the operator's /readyz: the prober once JOSDK has prepared it. */
  public WorkerHealthProber prober() {
    return prober;
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  private static Set<ResourceID> ids(List<NotificationPipeline> pipelines) {
    Set<ResourceID> ids = new HashSet<>();
    for (NotificationPipeline p : pipelines) {
      ids.add(ResourceID.fromResource(p));
    }
    return ids;
  }
}
