package io.vibework.notify.operator.reconciler;

import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.informer.SerializedStore;
import io.vibework.notify.operator.pubsub.ProvisioningException;
import io.vibework.notify.operator.pubsub.PubSubProvisioning;
import io.vibework.notify.operator.pubsub.SubscriptionProvisioner.NamedElsewhere;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * The Pub/Sub clean-up of {@code deletionPolicy: Delete}: puts the finalizer on exactly the
 * pipelines that ask for it, and on their deletion removes the subscription and the topics no other
 * pipeline names before letting them go.
 *
 * <p>A controller of its own because JOSDK's {@code Cleaner} puts a finalizer on every pipeline (a
 * write to resources GitOps owns), and its all-events mode, which leaves finalizers to us, does not
 * run managed workflows, which the main controller uses.
 */
@ControllerConfiguration(
    name = PubSubCleanupReconciler.NAME,
    triggerReconcilerOnAllEvents = true,
    informer = @Informer(itemStore = SerializedStore.Pipelines.class))
public class PubSubCleanupReconciler implements Reconciler<NotificationPipeline> {

  public static final String NAME = "notificationpipeline-pubsub-cleanup";
  private static final Duration RETRY = Duration.ofSeconds(30);

  private final PubSubProvisioning provisioning;
  private final Clock clock;

  public PubSubCleanupReconciler(PubSubProvisioning provisioning, Clock clock) {
    this.provisioning = provisioning;
    this.clock = clock;
  }

  @Override
  public UpdateControl<NotificationPipeline> reconcile(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    if (context.isPrimaryResourceDeleted()) {
      // Gone (with or without our finalizer): its last provisioning result is no longer needed.
      provisioning.forget(ResourceID.fromResource(p));
      return UpdateControl.noUpdate();
    }
    if (p.getSpec() == null || p.getSpec().pubsub() == null) {
      return UpdateControl.noUpdate();
    }
    boolean wanted = p.getSpec().pubsub().deletesOnDelete();
    boolean present = p.hasFinalizer(PubSubProvisioning.FINALIZER);
    if (p.isMarkedForDeletion()) {
      return present ? delete(p, context) : UpdateControl.noUpdate();
    }
    if (wanted && !present && !Pause.isPaused(p)) {
      PrimaryUpdateAndCacheUtils.addFinalizer(context, PubSubProvisioning.FINALIZER);
    } else if (!wanted && present && !Pause.isPaused(p)) {
      PrimaryUpdateAndCacheUtils.removeFinalizer(context, PubSubProvisioning.FINALIZER);
    }
    return UpdateControl.noUpdate();
  }

  private UpdateControl<NotificationPipeline> delete(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    EventRecorder events = new EventRecorder(context.getClient(), clock);
    try {
      provisioning.delete(
          ResourceID.fromResource(p), p.getSpec().pubsub(), namedByOthers(p, context));
    } catch (ProvisioningException e) {
      // The pipeline stays (Terminating) until Pub/Sub lets go; the Event says why.
      events.warning(p, e.reason(), "cannot delete the Pub/Sub subscription: " + e.getMessage());
      return UpdateControl.<NotificationPipeline>noUpdate().rescheduleAfter(RETRY);
    }
    events.normal(
        p,
        "PubSubDeleted",
        "deleted subscription "
            + p.getSpec().pubsub().subscriptionOrDefault()
            + " (unless another pipeline reads it) and the topics no other pipeline names"
            + " (deletionPolicy: Delete)");
    PrimaryUpdateAndCacheUtils.removeFinalizer(context, PubSubProvisioning.FINALIZER);
    return UpdateControl.noUpdate();
  }

  /** What another pipeline on the same Pub/Sub project still names: never deleted. */
  static NamedElsewhere namedByOthers(
      NotificationPipeline p, Context<NotificationPipeline> context) {
    PubSubSpec mine = p.getSpec().pubsub();
    Set<String> topics = new HashSet<>();
    Set<String> subscriptions = new HashSet<>();
    context
        .getPrimaryCache()
        .list(
            other ->
                !Objects.equals(other.getMetadata().getUid(), p.getMetadata().getUid())
                    && other.getSpec() != null
                    && other.getSpec().pubsub() != null
                    && Objects.equals(other.getSpec().pubsub().projectId(), mine.projectId())
                    && Objects.equals(other.getSpec().pubsub().emulatorHost(), mine.emulatorHost()))
        .forEach(
            other -> {
              PubSubSpec theirs = other.getSpec().pubsub();
              subscriptions.add(theirs.subscriptionOrDefault());
              topics.add(theirs.topicOrDefault());
              topics.add(theirs.sentTopicOrDefault());
              if (theirs.deadLetterTopic() != null) {
                topics.add(theirs.deadLetterTopic());
              }
            });
    return new NamedElsewhere(topics, subscriptions);
  }
}
