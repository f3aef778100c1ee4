package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.EmailSpec;
import io.vibework.notify.operator.api.MongoDbSpec;
import io.vibework.notify.operator.api.MysqlSpec;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.api.ReputationGuardSpec;
import io.vibework.notify.operator.reconciler.PipelineInputs;
import io.vibework.notify.operator.reconciler.PipelineInputsResolver;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Builds the objects a pipeline owns. Pure functions of (pipeline, inputs): the same inputs give
 * equal objects, which is what lets an unchanged pipeline cause no write.
 */
public final class WorkerObjects {

  public static final int HTTP_PORT = 8080;
  public static final String HTTP_PORT_NAME = "http";
  public static final String INPUTS_HASH_ANNOTATION = "infra.vibework.io/inputs-hash";
  public static final String MANAGED_BY = "notification-operator";
  public static final String MANAGED_BY_SELECTOR = "app.kubernetes.io/managed-by=" + MANAGED_BY;
  public static final String CONTAINER = "worker";
  public static final String INSTANCE_LABEL = "app.kubernetes.io/instance";

  /** The worker's readiness: process and Pub/Sub subscriber up (a shared outage keeps pods). */
  public static final String READINESS_PATH = "/readyz/subscriber";

  /** The worker's dependency checks: they gate start-up only, so a bad config never turns Ready. */
  public static final String STARTUP_PATH = "/readyz";

  public static final String PUBSUB_MOUNT = "/var/run/secrets/pubsub";
  public static final String TEMPLATES_MOUNT = "/etc/notify/email-templates";
  private static final long RUN_AS = 10001L;

  private WorkerObjects() {}

  /** Shared by Deployment, Service and PodDisruptionBudget. */
  public static String name(NotificationPipeline p) {
    return p.getMetadata().getName() + "-worker";
  }

  public static String configMapName(NotificationPipeline p) {
    return p.getMetadata().getName() + "-worker-env";
  }

  public static Map<String, String> selectorLabels(NotificationPipeline p) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("app.kubernetes.io/name", "notification-worker");
    labels.put(INSTANCE_LABEL, p.getMetadata().getName());
    return labels;
  }

  /** The selector as the scale subresource's status.selector carries it. */
  public static String selectorString(NotificationPipeline p) {
    return selectorLabels(p).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }

  public static Map<String, String> labels(NotificationPipeline p) {
    Map<String, String> labels = selectorLabels(p);
    labels.put("app.kubernetes.io/component", "worker");
    labels.put("app.kubernetes.io/part-of", "notification-pipeline");
    labels.put("app.kubernetes.io/managed-by", MANAGED_BY);
    return labels;
  }

  public static OwnerReference ownerReference(NotificationPipeline p) {
    return new OwnerReferenceBuilder()
        .withApiVersion(p.getApiVersion())
        .withKind(p.getKind())
        .withName(p.getMetadata().getName())
        .withUid(p.getMetadata().getUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  private static ObjectMeta metadata(NotificationPipeline p, String name) {
    return new ObjectMetaBuilder()
        .withName(name)
        .withNamespace(p.getMetadata().getNamespace())
        .withLabels(labels(p))
        .withOwnerReferences(ownerReference(p))
        .build();
  }

  /** The worker's non-secret environment; secrets go through secretKeyRef in the Deployment. */
  public static Map<String, String> workerEnvironment(
      NotificationPipeline p, CacheConfigSpec cache) {
    NotificationPipelineSpec spec = p.getSpec();
    PubSubSpec pubsub = spec.pubsub();
    EmailSpec email = spec.email();
    MysqlSpec mysql = spec.mysql();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("REDIS_URL", cache.url());
    env.put("REDIS_KEY_PREFIX", cache.keyPrefixOrDefault());
    env.put("REDIS_TTL_SECONDS", Integer.toString(cache.ttlSecondsOrDefault()));
    env.put("REDIS_TLS", Boolean.toString(cache.tlsEnabled()));
    putIfSet(env, "PUBSUB_EMULATOR_HOST", pubsub.emulatorHost());
    env.put("GOOGLE_CLOUD_PROJECT", pubsub.projectId());
    env.put("PUBSUB_SUBSCRIPTION", pubsub.subscriptionOrDefault());
    env.put("PUBSUB_TOPIC_CREATED", pubsub.topicOrDefault());
    env.put("PUBSUB_TOPIC_SENT", pubsub.sentTopicOrDefault());
    putIfSet(env, "PUBSUB_DEAD_LETTER_TOPIC", pubsub.deadLetterTopic());
    env.put(
        "PUBSUB_MAX_DELIVERY_ATTEMPTS", Integer.toString(pubsub.maxDeliveryAttemptsOrDefault()));
    env.put(
        "PUBSUB_MAX_OUTSTANDING_MESSAGES",
        Integer.toString(pubsub.maxOutstandingMessagesOrDefault()));
    if (pubsub.credentialsSecretRef() != null) {
      env.put("GOOGLE_APPLICATION_CREDENTIALS", PUBSUB_MOUNT + "/" + PubSubSpec.CREDENTIALS_KEY);
    }
    env.put("AWS_REGION", email.region());
    env.put("AWS_SES_FROM_ADDRESS", email.fromAddress());
    putIfSet(env, "AWS_ENDPOINT_URL_SESV2", email.endpoint());
    putIfSet(env, "AWS_ROLE_ARN", email.roleArn());
    if (PipelineInputsResolver.templatesConfigMapName(spec) != null) {
      env.put("EMAIL_TEMPLATES_DIR", TEMPLATES_MOUNT);
    }
    if (email.templates() != null && email.templates().sesStored()) {
      env.put("EMAIL_TEMPLATES_SOURCE", "ses");
      putIfSet(env, "SES_TEMPLATE_PREFIX", email.templates().templatePrefix());
    }
    env.put("SES_MAX_RETRIES", Integer.toString(email.maxRetriesOrDefault()));
    env.put("SES_MAX_SEND_RATE", Integer.toString(email.maxSendRateOrDefault()));
    env.put("SES_RATE_SHARE", Integer.toString(sesRateShare(spec)));
    putIfSet(env, "AWS_SES_CONFIGURATION_SET", email.configurationSet());
    putIfSet(
        env,
        "AWS_SES_FEEDBACK_QUEUE_URL",
        email.feedback() == null ? null : email.feedback().queueUrl());
    if (email.reputationGuard() != null && email.reputationGuard().on()) {
      ReputationGuardSpec guard = email.reputationGuard();
      env.put("REPUTATION_GUARD_MAX_BOUNCE_RATE", Double.toString(guard.maxBounceRateOrDefault()));
      env.put(
          "REPUTATION_GUARD_MAX_COMPLAINT_RATE",
          Double.toString(guard.maxComplaintRateOrDefault()));
      env.put("REPUTATION_GUARD_MIN_SENDS", Integer.toString(guard.minSendsOrDefault()));
      putIfSet(env, "REPUTATION_GUARD_LIFTED_AT", reputationGuardLiftedAt(p));
    }
    // The SES message tag that ties a bounce back to this pipeline.
    env.put("PIPELINE_NAME", p.getMetadata().getName());
    env.put("MYSQL_HOST", mysql.host());
    env.put("MYSQL_PORT", Integer.toString(mysql.portOrDefault()));
    env.put("MYSQL_DATABASE", mysql.database());
    env.put("MYSQL_POOL_MAX_CONNECTIONS", Integer.toString(mysql.maxPoolSizeOrDefault()));
    env.put(
        "MONGODB_CONNECTION_POOL_SIZE", Integer.toString(spec.mongodb().maxPoolSizeOrDefault()));
    env.put("HTTP_PORT", Integer.toString(HTTP_PORT));
    env.put("LOG_LEVEL", spec.logLevelOrDefault().value());
    env.put("APP_ENV", "production");
    env.put(
        WorkerPodTemplate.SHUTDOWN_GRACE_VARIABLE,
        Integer.toString(WorkerPodTemplate.shutdownGraceSeconds(spec)));
    return env;
  }

  /**
   * The lift annotation's value while the pipeline has a reputation guard, else null. It is in the
   * workers' environment and in the inputs hash, so setting it rolls the workers, and the fresh
   * ones start with empty counts: that rollout is the lift.
   */
  public static String reputationGuardLiftedAt(NotificationPipeline p) {
    ReputationGuardSpec guard =
        p.getSpec().email() == null ? null : p.getSpec().email().reputationGuard();
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    return guard == null || !guard.on() || annotations == null
        ? null
        : annotations.get(ReputationGuardSpec.LIFTED_AT_ANNOTATION);
  }

  /**
   * What one worker may send per second while Redis (where the pipeline-wide budget lives) is
   * unreachable: its share of spec.email.maxSendRate across the workers that may run. It is not in
   * the inputs hash (the hash covers the spec without replicas), so scaling does not roll the pods;
   * each pod reads the new share when it next starts.
   */
  static int sesRateShare(NotificationPipelineSpec spec) {
    // While autoscaling, replicas move without the operator: budget for the most there can be.
    int workers =
        Math.max(
            1, spec.autoscaled() ? spec.autoscaling().maxReplicas() : spec.replicasOrDefault());
    return Math.max(1, spec.email().maxSendRateOrDefault() / workers);
  }

  public static ConfigMap configMap(NotificationPipeline p, PipelineInputs inputs) {
    return new ConfigMapBuilder()
        .withMetadata(metadata(p, configMapName(p)))
        .withData(workerEnvironment(p, inputs.cache()))
        .build();
  }

  static List<EnvVar> secretEnv(NotificationPipeline p, CacheConfigSpec cache) {
    NotificationPipelineSpec spec = p.getSpec();
    List<EnvVar> env = new ArrayList<>();
    if (cache.passwordSecretRef() != null) {
      env.add(
          secretRef(
              "REDIS_PASSWORD",
              cache.passwordSecretRef().name(),
              cache.passwordSecretRef().keyOr(CacheConfigSpec.DEFAULT_PASSWORD_KEY)));
    }
    String mysql = spec.mysql().credentialsSecretRef().name();
    env.add(secretRef("MYSQL_USER", mysql, MysqlSpec.USERNAME_KEY));
    env.add(secretRef("MYSQL_PASSWORD", mysql, MysqlSpec.PASSWORD_KEY));
    if (spec.email().credentialsSecretRef() != null) {
      String aws = spec.email().credentialsSecretRef().name();
      env.add(secretRef("AWS_ACCESS_KEY_ID", aws, EmailSpec.ACCESS_KEY_ID_KEY));
      env.add(secretRef("AWS_SECRET_ACCESS_KEY", aws, EmailSpec.SECRET_ACCESS_KEY_KEY));
    }
    env.add(
        secretRef(
            "MONGODB_URL",
            spec.mongodb().urlSecretRef().name(),
            spec.mongodb().urlSecretRef().keyOr(MongoDbSpec.DEFAULT_URL_KEY)));
    return env;
  }

  private static EnvVar secretRef(String variable, String secret, String key) {
    return new EnvVarBuilder()
        .withName(variable)
        .withNewValueFrom()
        .withNewSecretKeyRef()
        .withName(secret)
        .withKey(key)
        .endSecretKeyRef()
        .endValueFrom()
        .build();
  }

  public static Deployment deployment(NotificationPipeline p, PipelineInputs inputs) {
    NotificationPipelineSpec spec = p.getSpec();
    Map<String, String> podAnnotations = new LinkedHashMap<>();
    podAnnotations.put(INPUTS_HASH_ANNOTATION, inputs.inputsHash());
    podAnnotations.put("prometheus.io/scrape", "true");
    podAnnotations.put("prometheus.io/port", Integer.toString(HTTP_PORT));
    podAnnotations.put("prometheus.io/path", "/metrics");

    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    // The root filesystem is read-only; the JVM and libraries still need a scratch /tmp.
    volumes.add(
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withSizeLimit(new Quantity("256Mi"))
            .endEmptyDir()
            .build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    if (spec.pubsub().credentialsSecretRef() != null) {
      volumes.add(
          new VolumeBuilder()
              .withName("pubsub-credentials")
              .withNewSecret()
              .withSecretName(spec.pubsub().credentialsSecretRef().name())
              .addNewItem()
              .withKey(PubSubSpec.CREDENTIALS_KEY)
              .withPath(PubSubSpec.CREDENTIALS_KEY)
              .endItem()
              .withDefaultMode(0440)
              .endSecret()
              .build());
      mounts.add(
          new VolumeMountBuilder()
              .withName("pubsub-credentials")
              .withMountPath(PUBSUB_MOUNT)
              .withReadOnly(true)
              .build());
    }

    String templates = PipelineInputsResolver.templatesConfigMapName(spec);
    if (templates != null) {
      volumes.add(
          new VolumeBuilder()
              .withName("email-templates")
              .withNewConfigMap()
              .withName(templates)
              .endConfigMap()
              .build());
      mounts.add(
          new VolumeMountBuilder()
              .withName("email-templates")
              .withMountPath(TEMPLATES_MOUNT)
              .withReadOnly(true)
              .build());
    }

    return new DeploymentBuilder()
        .withMetadata(metadata(p, name(p)))
        .withNewSpec()
        .withReplicas(spec.replicasOrDefault())
        .withNewSelector()
        .withMatchLabels(selectorLabels(p))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels(p))
        .withAnnotations(podAnnotations)
        .endMetadata()
        .withNewSpec()
        // Workers never call the Kubernetes API; no token means nothing to steal.
        .withAutomountServiceAccountToken(false)
        .withTerminationGracePeriodSeconds(30L)
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withRunAsUser(RUN_AS)
        .withRunAsGroup(RUN_AS)
        .withFsGroup(RUN_AS)
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(spec.image())
        .withImagePullPolicy("IfNotPresent")
        .addNewPort()
        .withName(HTTP_PORT_NAME)
        .withContainerPort(HTTP_PORT)
        .withProtocol("TCP")
        .endPort()
        .addNewEnvFrom()
        .withNewConfigMapRef()
        .withName(configMapName(p))
        .endConfigMapRef()
        .endEnvFrom()
        .withEnv(secretEnv(p, inputs.cache()))
        .withResources(resources(spec.resources()))
        .withNewLivenessProbe()
        .withNewHttpGet()
        .withPath("/healthz")
        .withPort(new IntOrString("http"))
        .endHttpGet()
        .withInitialDelaySeconds(10)
        .withPeriodSeconds(10)
        .withTimeoutSeconds(2)
        .withFailureThreshold(3)
        .endLivenessProbe()
        // Dependency checks (/readyz) gate start-up: up to 5 minutes, then the kubelet restarts the
        // container, so a broken configuration never becomes Ready and the rollout halts.
        .withNewStartupProbe()
        .withNewHttpGet()
        .withPath(STARTUP_PATH)
        .withPort(new IntOrString(HTTP_PORT_NAME))
        .endHttpGet()
        .withPeriodSeconds(5)
        .withTimeoutSeconds(3)
        .withFailureThreshold(60)
        .endStartupProbe()
        // Once started, readiness is the process and its subscriber: an outage of a dependency
        // every pod shares (Redis, MySQL) must not empty the Service or block node drains.
        .withNewReadinessProbe()
        .withNewHttpGet()
        .withPath(READINESS_PATH)
        .withPort(new IntOrString(HTTP_PORT_NAME))
        .endHttpGet()
        .withPeriodSeconds(10)
        .withTimeoutSeconds(3)
        .withFailureThreshold(3)
        .endReadinessProbe()
        .withNewSecurityContext()
        .withRunAsNonRoot(true)
        .withReadOnlyRootFilesystem(true)
        .withAllowPrivilegeEscalation(false)
        .withPrivileged(false)
        .withNewCapabilities()
        .withDrop("ALL")
        .endCapabilities()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withVolumeMounts(mounts)
        .endContainer()
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  // A pod without requests is the first evicted; these fit a JVM worker at rest. Quantities go out
  // in the API server's canonical form, or the stored Deployment would differ on every reconcile.
  static ResourceRequirements resources(ResourceRequirements requested) {
    if (requested != null
        && ((requested.getRequests() != null && !requested.getRequests().isEmpty())
            || (requested.getLimits() != null && !requested.getLimits().isEmpty()))) {
      return new ResourceRequirementsBuilder(requested)
          .withRequests(Quantities.canonical(requested.getRequests()))
          .withLimits(Quantities.canonical(requested.getLimits()))
          .build();
    }
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity("100m"))
        .addToRequests("memory", new Quantity("256Mi"))
        .addToLimits("memory", new Quantity("512Mi"))
        .build();
  }

  public static Service service(NotificationPipeline p) {
    return new ServiceBuilder()
        .withMetadata(metadata(p, name(p)))
        .withNewSpec()
        .withType("ClusterIP")
        .withSelector(selectorLabels(p))
        .addNewPort()
        .withName("http")
        .withPort(HTTP_PORT)
        .withTargetPort(new IntOrString("http"))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  /**
   * One worker at a time may be evicted, so a node drain never stops the whole pipeline; pods that
   * are not Ready anyway (crash-looping, stuck in start-up) may always go, so they never block a
   * drain.
   */
  public static PodDisruptionBudget podDisruptionBudget(NotificationPipeline p) {
    return new PodDisruptionBudgetBuilder()
        .withMetadata(metadata(p, name(p)))
        .withNewSpec()
        .withMaxUnavailable(new IntOrString(1))
        .withUnhealthyPodEvictionPolicy("AlwaysAllow")
        .withNewSelector()
        .withMatchLabels(selectorLabels(p))
        .endSelector()
        .endSpec()
        .build();
  }

  private static void putIfSet(Map<String, String> env, String key, String value) {
    if (value != null && !value.isBlank()) {
      env.put(key, value);
    }
  }
}
