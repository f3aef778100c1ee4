package io.vibework.notify.operator.validation;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.vibework.notify.operator.api.CacheConfigSpec;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.api.Patterns;
import io.vibework.notify.operator.api.PubSubSpec;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks the schema cannot make (or that an API server without CEL, or a test server without any
 * validation, lets through), so the reconciler never meets a null or a contradiction.
 */
public final class SpecValidator {

  private static final Pattern NAME = Pattern.compile("^[a-z]([-a-z0-9]*[a-z0-9])?$");

  private SpecValidator() {}

  public static void validatePipeline(String name, NotificationPipelineSpec spec) {
    List<String> problems = new ArrayList<>();
    if (name.length() > 56 || !NAME.matcher(name).matches()) {
      problems.add(
          "metadata.name must start with a letter, use lower-case letters, digits and '-', and be at most 56 characters");
    }
    if (spec == null) {
      throw new InvalidSpecException(InvalidSpecException.INVALID_SPEC, "spec is missing");
    }
    require(problems, spec.image(), "spec.image");
    if (spec.image() != null && !spec.image().matches(Patterns.IMAGE)) {
      problems.add("spec.image '" + spec.image() + "' is not an image reference");
    }
    if (spec.replicas() != null && (spec.replicas() < 0 || spec.replicas() > 100)) {
      problems.add("spec.replicas must be between 0 and 100");
    }
    if (spec.cacheRef() == null || blank(spec.cacheRef().name())) {
      problems.add("spec.cacheRef.name is required");
    }
    if (spec.pubsub() == null) {
      problems.add("spec.pubsub is required");
    } else {
      require(problems, spec.pubsub().projectId(), "spec.pubsub.projectId");
      if (spec.pubsub().topicOrDefault().equals(spec.pubsub().sentTopicOrDefault())) {
        problems.add("spec.pubsub.topic and spec.pubsub.sentTopic must be different topics");
      }
      if (spec.pubsub().credentialsSecretRef() != null
          && blank(spec.pubsub().credentialsSecretRef().name())) {
        problems.add("spec.pubsub.credentialsSecretRef.name is required");
      }
      validateProvisioning(problems, spec.pubsub());
    }
    if (spec.email() == null) {
      problems.add("spec.email is required");
    } else {
      require(problems, spec.email().region(), "spec.email.region");
      require(problems, spec.email().fromAddress(), "spec.email.fromAddress");
      if (spec.email().credentialsSecretRef() != null && spec.email().roleArn() != null) {
        problems.add("spec.email: set either credentialsSecretRef or roleArn, not both");
      }
      if (spec.email().endpoint() != null && !validHttpUrl(spec.email().endpoint())) {
        problems.add("spec.email.endpoint must be an http(s) URL with a host");
      }
    }
    if (spec.mysql() == null) {
      problems.add("spec.mysql is required");
    } else {
      require(problems, spec.mysql().host(), "spec.mysql.host");
      require(problems, spec.mysql().database(), "spec.mysql.database");
      if (spec.mysql().credentialsSecretRef() == null
          || blank(spec.mysql().credentialsSecretRef().name())) {
        problems.add("spec.mysql.credentialsSecretRef.name is required");
      }
    }
    if (spec.mongodb() == null
        || spec.mongodb().urlSecretRef() == null
        || blank(spec.mongodb().urlSecretRef().name())) {
      problems.add("spec.mongodb.urlSecretRef.name is required");
    }
    checkResources(problems, spec.resources());
    WorkerPodValidator.check(problems, spec);
    AutoscalingValidator.check(problems, spec);
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(
          InvalidSpecException.INVALID_SPEC, String.join("; ", problems));
    }
  }

  public static void validateCache(CacheConfigSpec spec) {
    if (spec == null || blank(spec.url())) {
      throw new InvalidSpecException(InvalidSpecException.INVALID_SPEC, "spec.url is required");
    }
    List<String> problems = new ArrayList<>();
    try {
      URI uri = URI.create(spec.url());
      if (uri.getUserInfo() != null) {
        problems.add(
            "spec.url must not carry credentials: put the password in a Secret and name it in spec.passwordSecretRef");
      } else if (uri.getHost() == null || !spec.url().matches(Patterns.REDIS_URL)) {
        problems.add("spec.url must look like redis://host:port or rediss://host:port");
      } else if (uri.getPort() > 65535) {
        problems.add("spec.url port must be at most 65535");
      }
    } catch (IllegalArgumentException e) {
      problems.add("spec.url must look like redis://host:port or rediss://host:port");
    }
    if (spec.url().startsWith("rediss://") && Boolean.FALSE.equals(spec.tls())) {
      problems.add("a rediss:// url needs TLS: set spec.tls to true or use redis://");
    }
    if (spec.passwordSecretRef() != null && blank(spec.passwordSecretRef().name())) {
      problems.add("spec.passwordSecretRef.name is required");
    }
    if (!problems.isEmpty()) {
      throw new InvalidSpecException(
          InvalidSpecException.INVALID_SPEC, String.join("; ", problems));
    }
  }

  // The API server only checks each quantity alone; a request above its limit is rejected at pod
  // creation time, long after the pipeline was accepted.
  private static void checkResources(List<String> problems, ResourceRequirements resources) {
    if (resources == null || resources.getRequests() == null || resources.getLimits() == null) {
      return;
    }
    for (Map.Entry<String, Quantity> request : resources.getRequests().entrySet()) {
      Quantity limit = resources.getLimits().get(request.getKey());
      if (limit == null) {
        continue;
      }
      try {
        BigDecimal requested = request.getValue().getNumericalAmount();
        BigDecimal limited = limit.getNumericalAmount();
        if (requested.compareTo(limited) > 0) {
          problems.add(
              "spec.resources.requests."
                  + request.getKey()
                  + " ("
                  + request.getValue()
                  + ") is above spec.resources.limits."
                  + request.getKey()
                  + " ("
                  + limit
                  + ")");
        }
      } catch (IllegalArgumentException e) {
        problems.add("spec.resources." + request.getKey() + " is not a valid quantity");
      }
    }
  }

  private static boolean validHttpUrl(String s) {
    try {
      URI uri = URI.create(s);
      return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Pub/Sub's own limits, so a bad value is a spec problem rather than a refused API call. */
  private static void validateProvisioning(List<String> problems, PubSubSpec pubsub) {
    Long min = seconds(problems, pubsub.minimumBackoffOrDefault(), "spec.pubsub.minimumBackoff");
    Long max = seconds(problems, pubsub.maximumBackoffOrDefault(), "spec.pubsub.maximumBackoff");
    Long retention =
        seconds(
            problems,
            pubsub.messageRetentionDurationOrDefault(),
            "spec.pubsub.messageRetentionDuration");
    if (min != null && min > 600) {
      problems.add("spec.pubsub.minimumBackoff must be at most 600s");
    }
    if (max != null && max > 600) {
      problems.add("spec.pubsub.maximumBackoff must be at most 600s");
    }
    if (min != null && max != null && min > max) {
      problems.add("spec.pubsub.minimumBackoff must not be longer than maximumBackoff");
    }
    if (retention != null && (retention < 600 || retention > 604_800)) {
      problems.add("spec.pubsub.messageRetentionDuration must be between 600s and 604800s");
    }
    int ack = pubsub.ackDeadlineSecondsOrDefault();
    if (ack < 10 || ack > 600) {
      problems.add("spec.pubsub.ackDeadlineSeconds must be between 10 and 600");
    }
  }

  private static Long seconds(List<String> problems, String value, String field) {
    if (!value.matches(Patterns.SECONDS)) {
      problems.add(field + " must be a whole number of seconds such as 10s, got '" + value + "'");
      return null;
    }
    return Long.parseLong(value.substring(0, value.length() - 1));
  }

  private static void require(List<String> problems, String value, String field) {
    if (blank(value)) {
      problems.add(field + " is required");
    }
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
