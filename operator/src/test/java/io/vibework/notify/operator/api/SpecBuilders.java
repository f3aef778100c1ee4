package io.vibework.notify.operator.api;

import io.fabric8.kubernetes.api.model.Affinity;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TopologySpreadConstraint;
import java.util.List;
import java.util.Map;

/**
 * Builders for the spec records, so tests name the fields they care about and a new spec field is
 * added here (to the builder's fields, {@code build()} and the copy constructor) and nowhere else.
 * {@code from(spec)} copies an existing spec for a test that changes one field.
 */
public final class SpecBuilders {

  private SpecBuilders() {}

  public static Pipeline pipeline() {
    return new Pipeline();
  }

  public static Pipeline pipeline(NotificationPipelineSpec from) {
    return new Pipeline(from);
  }

  public static PubSub pubsub() {
    return new PubSub();
  }

  public static PubSub pubsub(PubSubSpec from) {
    return new PubSub(from);
  }

  public static Email email() {
    return new Email();
  }

  public static Email email(EmailSpec from) {
    return new Email(from);
  }

  public static Mysql mysql() {
    return new Mysql();
  }

  public static Mysql mysql(MysqlSpec from) {
    return new Mysql(from);
  }

  public static MongoDb mongodb() {
    return new MongoDb();
  }

  public static MongoDb mongodb(MongoDbSpec from) {
    return new MongoDb(from);
  }

  public static Autoscaling autoscaling() {
    return new Autoscaling();
  }

  public static Cache cache() {
    return new Cache();
  }

  public static Cache cache(CacheConfigSpec from) {
    return new Cache(from);
  }

  /** {@link NotificationPipelineSpec}. */
  public static final class Pipeline {
    private String image;
    private Integer replicas;
    private ResourceRequirements resources;
    private LogLevel logLevel;
    private CacheRef cacheRef;
    private PubSubSpec pubsub;
    private EmailSpec email;
    private MysqlSpec mysql;
    private MongoDbSpec mongodb;
    private AutoscalingSpec autoscaling;
    private String serviceAccountName;
    private Boolean automountServiceAccountToken;
    private List<LocalObjectReference> imagePullSecrets;
    private Map<String, String> nodeSelector;
    private Affinity affinity;
    private List<Toleration> tolerations;
    private List<TopologySpreadConstraint> topologySpreadConstraints;
    private String priorityClassName;
    private Map<String, String> podAnnotations;
    private Map<String, String> podLabels;
    private List<EnvVar> extraEnv;
    private Integer terminationGracePeriodSeconds;
    private PodSecuritySpec podSecurity;

    private Pipeline() {}

    private Pipeline(NotificationPipelineSpec s) {
      image = s.image();
      replicas = s.replicas();
      resources = s.resources();
      logLevel = s.logLevel();
      cacheRef = s.cacheRef();
      pubsub = s.pubsub();
      email = s.email();
      mysql = s.mysql();
      mongodb = s.mongodb();
      autoscaling = s.autoscaling();
      serviceAccountName = s.serviceAccountName();
      automountServiceAccountToken = s.automountServiceAccountToken();
      imagePullSecrets = s.imagePullSecrets();
      nodeSelector = s.nodeSelector();
      affinity = s.affinity();
      tolerations = s.tolerations();
      topologySpreadConstraints = s.topologySpreadConstraints();
      priorityClassName = s.priorityClassName();
      podAnnotations = s.podAnnotations();
      podLabels = s.podLabels();
      extraEnv = s.extraEnv();
      terminationGracePeriodSeconds = s.terminationGracePeriodSeconds();
      podSecurity = s.podSecurity();
    }

    public Pipeline image(String value) {
      image = value;
      return this;
    }

    public Pipeline replicas(Integer value) {
      replicas = value;
      return this;
    }

    public Pipeline resources(ResourceRequirements value) {
      resources = value;
      return this;
    }

    public Pipeline logLevel(LogLevel value) {
      logLevel = value;
      return this;
    }

    public Pipeline cacheRef(String cacheConfigName) {
      cacheRef = cacheConfigName == null ? null : new CacheRef(cacheConfigName);
      return this;
    }

    public Pipeline pubsub(PubSubSpec value) {
      pubsub = value;
      return this;
    }

    public Pipeline email(EmailSpec value) {
      email = value;
      return this;
    }

    public Pipeline mysql(MysqlSpec value) {
      mysql = value;
      return this;
    }

    public Pipeline mongodb(MongoDbSpec value) {
      mongodb = value;
      return this;
    }

    public Pipeline autoscaling(AutoscalingSpec value) {
      autoscaling = value;
      return this;
    }

    public Pipeline serviceAccountName(String value) {
      serviceAccountName = value;
      return this;
    }

    public Pipeline automountServiceAccountToken(Boolean value) {
      automountServiceAccountToken = value;
      return this;
    }

    public Pipeline imagePullSecrets(List<LocalObjectReference> value) {
      imagePullSecrets = value;
      return this;
    }

    public Pipeline nodeSelector(Map<String, String> value) {
      nodeSelector = value;
      return this;
    }

    public Pipeline affinity(Affinity value) {
      affinity = value;
      return this;
    }

    public Pipeline tolerations(List<Toleration> value) {
      tolerations = value;
      return this;
    }

    public Pipeline topologySpreadConstraints(List<TopologySpreadConstraint> value) {
      topologySpreadConstraints = value;
      return this;
    }

    public Pipeline priorityClassName(String value) {
      priorityClassName = value;
      return this;
    }

    public Pipeline podAnnotations(Map<String, String> value) {
      podAnnotations = value;
      return this;
    }

    public Pipeline podLabels(Map<String, String> value) {
      podLabels = value;
      return this;
    }

    public Pipeline extraEnv(List<EnvVar> value) {
      extraEnv = value;
      return this;
    }

    public Pipeline terminationGracePeriodSeconds(Integer value) {
      terminationGracePeriodSeconds = value;
      return this;
    }

    public Pipeline podSecurity(PodSecuritySpec value) {
      podSecurity = value;
      return this;
    }

    public NotificationPipelineSpec build() {
      return new NotificationPipelineSpec(
          image,
          replicas,
          resources,
          logLevel,
          cacheRef,
          pubsub,
          email,
          mysql,
          mongodb,
          autoscaling,
          serviceAccountName,
          automountServiceAccountToken,
          imagePullSecrets,
          nodeSelector,
          affinity,
          tolerations,
          topologySpreadConstraints,
          priorityClassName,
          podAnnotations,
          podLabels,
          extraEnv,
          terminationGracePeriodSeconds,
          podSecurity);
    }
  }

  /** {@link PubSubSpec}. */
  public static final class PubSub {
    private String projectId;
    private String emulatorHost;
    private String subscription;
    private String topic;
    private String sentTopic;
    private String deadLetterTopic;
    private Integer maxDeliveryAttempts;
    private Integer maxOutstandingMessages;
    private SecretRef credentialsSecretRef;
    private Boolean provision;
    private String minimumBackoff;
    private String maximumBackoff;
    private Integer ackDeadlineSeconds;
    private String messageRetentionDuration;
    private PubSubSpec.DeletionPolicy deletionPolicy;

    private PubSub() {}

    private PubSub(PubSubSpec s) {
      projectId = s.projectId();
      emulatorHost = s.emulatorHost();
      subscription = s.subscription();
      topic = s.topic();
      sentTopic = s.sentTopic();
      deadLetterTopic = s.deadLetterTopic();
      maxDeliveryAttempts = s.maxDeliveryAttempts();
      maxOutstandingMessages = s.maxOutstandingMessages();
      credentialsSecretRef = s.credentialsSecretRef();
      provision = s.provision();
      minimumBackoff = s.minimumBackoff();
      maximumBackoff = s.maximumBackoff();
      ackDeadlineSeconds = s.ackDeadlineSeconds();
      messageRetentionDuration = s.messageRetentionDuration();
      deletionPolicy = s.deletionPolicy();
    }

    public PubSub provision(Boolean value) {
      provision = value;
      return this;
    }

    public PubSub minimumBackoff(String value) {
      minimumBackoff = value;
      return this;
    }

    public PubSub maximumBackoff(String value) {
      maximumBackoff = value;
      return this;
    }

    public PubSub ackDeadlineSeconds(Integer value) {
      ackDeadlineSeconds = value;
      return this;
    }

    public PubSub messageRetentionDuration(String value) {
      messageRetentionDuration = value;
      return this;
    }

    public PubSub deletionPolicy(PubSubSpec.DeletionPolicy value) {
      deletionPolicy = value;
      return this;
    }

    public PubSub projectId(String value) {
      projectId = value;
      return this;
    }

    public PubSub emulatorHost(String value) {
      emulatorHost = value;
      return this;
    }

    public PubSub subscription(String value) {
      subscription = value;
      return this;
    }

    public PubSub topic(String value) {
      topic = value;
      return this;
    }

    public PubSub sentTopic(String value) {
      sentTopic = value;
      return this;
    }

    public PubSub deadLetterTopic(String value) {
      deadLetterTopic = value;
      return this;
    }

    public PubSub maxDeliveryAttempts(Integer value) {
      maxDeliveryAttempts = value;
      return this;
    }

    public PubSub maxOutstandingMessages(Integer value) {
      maxOutstandingMessages = value;
      return this;
    }

    public PubSub credentialsSecret(String secretName) {
      credentialsSecretRef = secretName == null ? null : new SecretRef(secretName);
      return this;
    }

    public PubSubSpec build() {
      return new PubSubSpec(
          projectId,
          emulatorHost,
          subscription,
          topic,
          sentTopic,
          deadLetterTopic,
          maxDeliveryAttempts,
          maxOutstandingMessages,
          credentialsSecretRef,
          provision,
          minimumBackoff,
          maximumBackoff,
          ackDeadlineSeconds,
          messageRetentionDuration,
          deletionPolicy);
    }
  }

  /** {@link EmailSpec}. */
  public static final class Email {
    private String region;
    private String fromAddress;
    private String endpoint;
    private SecretRef credentialsSecretRef;
    private String roleArn;
    private Integer maxRetries;
    private Integer maxSendRate;
    private EmailTemplatesSpec templates;
    private String configurationSet;
    private EmailFeedbackSpec feedback;
    private ReputationGuardSpec reputationGuard;

    private Email() {}

    private Email(EmailSpec s) {
      region = s.region();
      fromAddress = s.fromAddress();
      endpoint = s.endpoint();
      credentialsSecretRef = s.credentialsSecretRef();
      roleArn = s.roleArn();
      maxRetries = s.maxRetries();
      maxSendRate = s.maxSendRate();
      templates = s.templates();
      configurationSet = s.configurationSet();
      feedback = s.feedback();
      reputationGuard = s.reputationGuard();
    }

    public Email region(String value) {
      region = value;
      return this;
    }

    public Email fromAddress(String value) {
      fromAddress = value;
      return this;
    }

    public Email endpoint(String value) {
      endpoint = value;
      return this;
    }

    public Email credentialsSecret(String secretName) {
      credentialsSecretRef = secretName == null ? null : new SecretRef(secretName);
      return this;
    }

    public Email roleArn(String value) {
      roleArn = value;
      return this;
    }

    public Email maxRetries(Integer value) {
      maxRetries = value;
      return this;
    }

    public Email maxSendRate(Integer value) {
      maxSendRate = value;
      return this;
    }

    public Email templatesConfigMap(String name) {
      templates = name == null ? null : new EmailTemplatesSpec(new ConfigMapRef(name));
      return this;
    }

    /** SES stored templates, named with {@code prefix} (may be null). */
    public Email sesTemplates(String prefix) {
      templates = EmailTemplatesSpec.ses(prefix);
      return this;
    }

    public Email configurationSet(String value) {
      configurationSet = value;
      return this;
    }

    public Email feedbackQueueUrl(String value) {
      feedback = value == null ? null : new EmailFeedbackSpec(value);
      return this;
    }

    public Email reputationGuard(ReputationGuardSpec value) {
      reputationGuard = value;
      return this;
    }

    public EmailSpec build() {
      return new EmailSpec(
          region,
          fromAddress,
          endpoint,
          credentialsSecretRef,
          roleArn,
          maxRetries,
          maxSendRate,
          templates,
          configurationSet,
          feedback,
          reputationGuard);
    }
  }

  /** {@link MysqlSpec}. */
  public static final class Mysql {
    private String host;
    private Integer port;
    private String database;
    private SecretRef credentialsSecretRef;
    private Integer maxPoolSize;

    private Mysql() {}

    private Mysql(MysqlSpec s) {
      host = s.host();
      port = s.port();
      database = s.database();
      credentialsSecretRef = s.credentialsSecretRef();
      maxPoolSize = s.maxPoolSize();
    }

    public Mysql host(String value) {
      host = value;
      return this;
    }

    public Mysql port(Integer value) {
      port = value;
      return this;
    }

    public Mysql database(String value) {
      database = value;
      return this;
    }

    public Mysql credentialsSecret(String secretName) {
      credentialsSecretRef = secretName == null ? null : new SecretRef(secretName);
      return this;
    }

    public Mysql maxPoolSize(Integer value) {
      maxPoolSize = value;
      return this;
    }

    public MysqlSpec build() {
      return new MysqlSpec(host, port, database, credentialsSecretRef, maxPoolSize);
    }
  }

  /** {@link MongoDbSpec}. */
  public static final class MongoDb {
    private SecretKeyRef urlSecretRef;
    private Integer maxPoolSize;

    private MongoDb() {}

    private MongoDb(MongoDbSpec s) {
      urlSecretRef = s.urlSecretRef();
      maxPoolSize = s.maxPoolSize();
    }

    /** {@code key} null means the field's default key. */
    public MongoDb urlSecret(String secretName, String key) {
      urlSecretRef = secretName == null ? null : new SecretKeyRef(secretName, key);
      return this;
    }

    public MongoDb maxPoolSize(Integer value) {
      maxPoolSize = value;
      return this;
    }

    public MongoDbSpec build() {
      return new MongoDbSpec(urlSecretRef, maxPoolSize);
    }
  }

  /** {@link CacheConfigSpec}. */
  public static final class Cache {
    private String url;
    private SecretKeyRef passwordSecretRef;
    private String keyPrefix;
    private Integer ttlSeconds;
    private Boolean tls;

    private Cache() {}

    private Cache(CacheConfigSpec s) {
      url = s.url();
      passwordSecretRef = s.passwordSecretRef();
      keyPrefix = s.keyPrefix();
      ttlSeconds = s.ttlSeconds();
      tls = s.tls();
    }

    public Cache url(String value) {
      url = value;
      return this;
    }

    /** {@code key} null means the field's default key. */
    public Cache passwordSecret(String secretName, String key) {
      passwordSecretRef = secretName == null ? null : new SecretKeyRef(secretName, key);
      return this;
    }

    public Cache keyPrefix(String value) {
      keyPrefix = value;
      return this;
    }

    public Cache ttlSeconds(Integer value) {
      ttlSeconds = value;
      return this;
    }

    public Cache tls(Boolean value) {
      tls = value;
      return this;
    }

    public CacheConfigSpec build() {
      return new CacheConfigSpec(url, passwordSecretRef, keyPrefix, ttlSeconds, tls);
    }
  }

  /** {@link AutoscalingSpec}. */
  public static final class Autoscaling {
    private Integer minReplicas;
    private Integer maxReplicas;
    private Integer targetBacklogPerReplica;
    private Integer activationBacklog;
    private Integer pollingIntervalSeconds;
    private Integer cooldownSeconds;
    private AutoscalerAuthentication authentication;

    private Autoscaling() {}

    public Autoscaling minReplicas(Integer value) {
      minReplicas = value;
      return this;
    }

    public Autoscaling maxReplicas(Integer value) {
      maxReplicas = value;
      return this;
    }

    public Autoscaling targetBacklogPerReplica(Integer value) {
      targetBacklogPerReplica = value;
      return this;
    }

    public Autoscaling activationBacklog(Integer value) {
      activationBacklog = value;
      return this;
    }

    public Autoscaling pollingIntervalSeconds(Integer value) {
      pollingIntervalSeconds = value;
      return this;
    }

    public Autoscaling cooldownSeconds(Integer value) {
      cooldownSeconds = value;
      return this;
    }

    public Autoscaling authentication(AutoscalerAuthentication value) {
      authentication = value;
      return this;
    }

    public AutoscalingSpec build() {
      return new AutoscalingSpec(
          minReplicas,
          maxReplicas,
          targetBacklogPerReplica,
          activationBacklog,
          pollingIntervalSeconds,
          cooldownSeconds,
          authentication);
    }
  }
}
