package io.vibework.notify.operator.reconciler;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.EmailSpec;
import io.vibework.notify.operator.api.MongoDbSpec;
import io.vibework.notify.operator.api.MysqlSpec;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.PubSubSpec;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.secrets.SecretDigests;
import io.vibework.notify.operator.validation.InvalidSpecException;
import io.vibework.notify.operator.validation.SpecValidator;
import io.vibework.notify.templates.InvalidTemplateException;
import io.vibework.notify.templates.TemplateSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;

/**
 * Finds a pipeline's CacheConfig and Secrets (from the informer caches, no API calls), checks them,
 * and hashes them (Secret values by their digests). Throws {@link InvalidSpecException} naming the
 * first thing to fix.
 */
public class PipelineInputsResolver {

  /**
   * Spec fields that never reach a pod: the Deployment (or an autoscaler) acts on them, so a change
   * must not roll the workers. Everything else in the spec shapes the pod and is hashed.
   */
  static final Set<String> NOT_IN_POD_TEMPLATE = Set.of("replicas", "autoscaling");

  /** A Secret key the workers read, with the field that asked for it (for messages). */
  public record SecretKeyUse(String secret, String key, String field) {}

  private final BiFunction<String, String, Optional<CacheConfig>> caches;
  private final BiFunction<String, String, Optional<Secret>> secrets;
  private final BiFunction<String, String, Optional<ConfigMap>> configMaps;

  /** Every lookup takes (namespace, name). */
  public PipelineInputsResolver(
      BiFunction<String, String, Optional<CacheConfig>> caches,
      BiFunction<String, String, Optional<Secret>> secrets,
      BiFunction<String, String, Optional<ConfigMap>> configMaps) {
    this.caches = caches;
    this.secrets = secrets;
    this.configMaps = configMaps;
  }

  public PipelineInputs resolve(NotificationPipeline pipeline) {
    String namespace = pipeline.getMetadata().getNamespace();
    NotificationPipelineSpec spec = pipeline.getSpec();
    SpecValidator.validatePipeline(pipeline.getMetadata().getName(), spec);
    String cacheName = spec.cacheRef().name();
    CacheConfig cache =
        caches
            .apply(namespace, cacheName)
            .orElseThrow(
                () ->
                    new InvalidSpecException(
                        InvalidSpecException.CACHE_CONFIG_NOT_FOUND,
                        "CacheConfig '"
                            + cacheName
                            + "' named in spec.cacheRef.name does not exist in namespace '"
                            + namespace
                            + "': create it or fix the name"));
    try {
      SpecValidator.validateCache(cache.getSpec());
    } catch (InvalidSpecException e) {
      throw new InvalidSpecException(
          InvalidSpecException.INVALID_SPEC,
          "CacheConfig '" + cacheName + "' is invalid: " + e.getMessage());
    }
    TreeMap<String, String> values = new TreeMap<>();
    for (SecretKeyUse use : secretKeyUses(spec, cache)) {
      values.put(use.secret() + "/" + use.key(), secretValue(namespace, use));
    }
    InputsHash hash =
        new InputsHash()
            .add("pipeline", spec, NOT_IN_POD_TEMPLATE)
            .add("cache", cache.getSpec())
            .addSecrets(values);
    String templates = templatesConfigMapName(spec);
    if (templates != null) {
      hash.add("templates", new TreeMap<>(templateSources(namespace, templates)));
    }
    String liftedAt = WorkerObjects.reputationGuardLiftedAt(pipeline);
    if (liftedAt != null) {
      hash.add("reputationGuardLiftedAt", liftedAt);
    }
    return new PipelineInputs(cacheName, cache.getSpec(), hash.hex());
  }

  /** The ConfigMap of email templates the pipeline names, or null. */
  public static String templatesConfigMapName(NotificationPipelineSpec spec) {
    return spec == null
            || spec.email() == null
            || spec.email().templates() == null
            || spec.email().templates().configMapRef() == null
            || spec.email().templates().sesStored()
        ? null
        : spec.email().templates().configMapRef().name();
  }

  /**
   * The ConfigMap's templates, compiled here as the workers will compile them, so a broken one
   * stops at the operator: the Deployment is not touched and running workers keep their set.
   */
  private Map<String, String> templateSources(String namespace, String name) {
    ConfigMap configMap =
        configMaps
            .apply(namespace, name)
            .orElseThrow(
                () ->
                    new InvalidSpecException(
                        InvalidSpecException.CONFIG_MAP_NOT_FOUND,
                        "ConfigMap '"
                            + name
                            + "' named in spec.email.templates.configMapRef.name does not exist"
                            + " in namespace '"
                            + namespace
                            + "': create it or fix the name"));
    Map<String, String> sources = configMap.getData() == null ? Map.of() : configMap.getData();
    try {
      TemplateSet.compile(sources);
    } catch (InvalidTemplateException e) {
      throw new InvalidSpecException(
          InvalidSpecException.INVALID_TEMPLATE,
          "ConfigMap '"
              + name
              + "' named in spec.email.templates.configMapRef.name: "
              + e.getMessage()
              + "; the workers keep their current templates until it is fixed");
    }
    return sources;
  }

  /** Every Secret key the workers of this pipeline read. */
  public static List<SecretKeyUse> secretKeyUses(NotificationPipelineSpec spec, CacheConfig cache) {
    List<SecretKeyUse> uses = new ArrayList<>();
    CacheConfigSpec cacheSpec = cache == null ? null : cache.getSpec();
    if (cacheSpec != null && cacheSpec.passwordSecretRef() != null) {
      uses.add(
          new SecretKeyUse(
              cacheSpec.passwordSecretRef().name(),
              cacheSpec.passwordSecretRef().keyOr(CacheConfigSpec.DEFAULT_PASSWORD_KEY),
              "CacheConfig '" + cache.getMetadata().getName() + "' spec.passwordSecretRef"));
    }
    String mysqlSecret = spec.mysql().credentialsSecretRef().name();
    uses.add(
        new SecretKeyUse(mysqlSecret, MysqlSpec.USERNAME_KEY, "spec.mysql.credentialsSecretRef"));
    uses.add(
        new SecretKeyUse(mysqlSecret, MysqlSpec.PASSWORD_KEY, "spec.mysql.credentialsSecretRef"));
    if (spec.email().credentialsSecretRef() != null) {
      String s = spec.email().credentialsSecretRef().name();
      uses.add(new SecretKeyUse(s, EmailSpec.ACCESS_KEY_ID_KEY, "spec.email.credentialsSecretRef"));
      uses.add(
          new SecretKeyUse(s, EmailSpec.SECRET_ACCESS_KEY_KEY, "spec.email.credentialsSecretRef"));
    }
    uses.add(
        new SecretKeyUse(
            spec.mongodb().urlSecretRef().name(),
            spec.mongodb().urlSecretRef().keyOr(MongoDbSpec.DEFAULT_URL_KEY),
            "spec.mongodb.urlSecretRef"));
    if (spec.pubsub().credentialsSecretRef() != null) {
      uses.add(
          new SecretKeyUse(
              spec.pubsub().credentialsSecretRef().name(),
              PubSubSpec.CREDENTIALS_KEY,
              "spec.pubsub.credentialsSecretRef"));
    }
    return uses;
  }

  /** Names of every Secret the pipeline itself names (the CacheConfig's is found through it). */
  public static List<String> directSecretNames(NotificationPipelineSpec spec) {
    List<String> names = new ArrayList<>();
    if (spec == null) {
      return names;
    }
    if (spec.mysql() != null && spec.mysql().credentialsSecretRef() != null) {
      names.add(spec.mysql().credentialsSecretRef().name());
    }
    if (spec.email() != null && spec.email().credentialsSecretRef() != null) {
      names.add(spec.email().credentialsSecretRef().name());
    }
    if (spec.mongodb() != null && spec.mongodb().urlSecretRef() != null) {
      names.add(spec.mongodb().urlSecretRef().name());
    }
    if (spec.pubsub() != null && spec.pubsub().credentialsSecretRef() != null) {
      names.add(spec.pubsub().credentialsSecretRef().name());
    }
    names.removeIf(n -> n == null);
    return names;
  }

  private String secretValue(String namespace, SecretKeyUse use) {
    Secret secret =
        secrets
            .apply(namespace, use.secret())
            .orElseThrow(
                () ->
                    new InvalidSpecException(
                        InvalidSpecException.SECRET_NOT_FOUND,
                        "Secret '"
                            + use.secret()
                            + "' named in "
                            + use.field()
                            + " does not exist in namespace '"
                            + namespace
                            + "': create it or fix the name"));
    // The informer keeps digests (SecretDigests), and digesting any Secret here is a no-op for
    // those: the hash then follows each value without the value ever being kept.
    String value = lookup(SecretDigests.digest(secret).getData(), use.key());
    if (value == null) {
      throw new InvalidSpecException(
          InvalidSpecException.SECRET_KEY_NOT_FOUND,
          "Secret '"
              + use.secret()
              + "' named in "
              + use.field()
              + " has no key '"
              + use.key()
              + "': add the key to the Secret");
    }
    return value;
  }

  private static String lookup(Map<String, String> data, String key) {
    return data == null ? null : data.get(key);
  }
}
