package io.vibework.notify.operator.validation;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import io.vibework.notify.operator.dependent.WorkerObjects;
import io.vibework.notify.operator.dependent.WorkerPodTemplate;
import java.util.List;
import java.util.Set;

/**
 * The pod-template fields a user adds must not take over what the operator manages: a worker
 * variable, a selector or app.kubernetes.io label, or an annotation the operator writes.
 */
public final class WorkerPodValidator {

  /**
   * Every variable the operator may set on a worker (the worker contract), whether or not this spec
   * makes it set it: a variable set by extraEnv would bypass the spec field that owns it.
   */
  public static final Set<String> MANAGED_VARIABLES =
      Set.of(
          "REDIS_URL",
          "REDIS_PASSWORD",
          "REDIS_KEY_PREFIX",
          "REDIS_TTL_SECONDS",
          "REDIS_TLS",
          "PUBSUB_EMULATOR_HOST",
          "GOOGLE_CLOUD_PROJECT",
          "GOOGLE_APPLICATION_CREDENTIALS",
          "PUBSUB_SUBSCRIPTION",
          "PUBSUB_TOPIC_CREATED",
          "PUBSUB_TOPIC_SENT",
          "PUBSUB_DEAD_LETTER_TOPIC",
          "PUBSUB_MAX_DELIVERY_ATTEMPTS",
          "PUBSUB_MAX_OUTSTANDING_MESSAGES",
          "AWS_REGION",
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY",
          "AWS_ROLE_ARN",
          "AWS_SES_FROM_ADDRESS",
          "AWS_ENDPOINT_URL_SESV2",
          "SES_MAX_RETRIES",
          "SES_MAX_SEND_RATE",
          "SES_RATE_SHARE",
          "AWS_SES_CONFIGURATION_SET",
          "AWS_SES_FEEDBACK_QUEUE_URL",
          "PIPELINE_NAME",
          "MYSQL_HOST",
          "MYSQL_PORT",
          "MYSQL_USER",
          "MYSQL_PASSWORD",
          "MYSQL_DATABASE",
          "MYSQL_POOL_MAX_CONNECTIONS",
          "MONGODB_URL",
          "MONGODB_CONNECTION_POOL_SIZE",
          "HTTP_PORT",
          "LOG_LEVEL",
          "APP_ENV",
          WorkerPodTemplate.SHUTDOWN_GRACE_VARIABLE);

  private static final String MANAGED_LABEL_PREFIX = "app.kubernetes.io/";

  private WorkerPodValidator() {}

  /** Adds one problem per clash to {@code problems}, each naming the field and the key. */
  public static void check(List<String> problems, NotificationPipelineSpec spec) {
    if (spec.extraEnv() != null) {
      for (EnvVar v : spec.extraEnv()) {
        if (v == null || v.getName() == null || v.getName().isBlank()) {
          problems.add("spec.extraEnv: every entry needs a name");
        } else if (MANAGED_VARIABLES.contains(v.getName())) {
          problems.add(
              "spec.extraEnv sets "
                  + v.getName()
                  + ", which the operator manages: set it through its spec field or remove it");
        }
      }
    }
    if (spec.podLabels() != null) {
      spec.podLabels().keySet().stream()
          .filter(k -> k.startsWith(MANAGED_LABEL_PREFIX))
          .sorted()
          .forEach(
              k ->
                  problems.add(
                      "spec.podLabels sets "
                          + k
                          + ": app.kubernetes.io/* labels are the operator's (they select the workers)"));
    }
    if (spec.podAnnotations() != null) {
      spec.podAnnotations().keySet().stream()
          .filter(
              k -> k.equals(WorkerObjects.INPUTS_HASH_ANNOTATION) || k.startsWith("prometheus.io/"))
          .sorted()
          .forEach(
              k ->
                  problems.add(
                      "spec.podAnnotations sets " + k + ", which the operator manages: remove it"));
    }
  }
}
