package io.vibework.notify.operator.pubsub;

import com.google.api.gax.rpc.ApiException;

/**
 * Pub/Sub refused to provision: {@link #reason()} is a condition reason and the message says what a
 * person should do. Never carries a stack trace or credentials into the status.
 */
public final class ProvisioningException extends Exception {
  private final String reason;

  public ProvisioningException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }

  /** Maps a Pub/Sub API error to a reason and an actionable message. */
  static ProvisioningException from(ApiException e, String action, SubscriptionPlan plan) {
    String project = plan.projectId();
    String code = e.getStatusCode().getCode().name();
    String detail = firstLine(e.getMessage());
    return switch (e.getStatusCode().getCode()) {
      case PERMISSION_DENIED, UNAUTHENTICATED ->
          new ProvisioningException(
              "PubSubPermissionDenied",
              "the operator may not "
                  + action
                  + " in project '"
                  + project
                  + "' ("
                  + code
                  + "): grant the operator's Google service account roles/pubsub.editor on the"
                  + " project, or set spec.pubsub.provision to false and create it yourself");
      case NOT_FOUND ->
          new ProvisioningException(
              "PubSubProjectNotFound",
              "project '"
                  + project
                  + "' was not found while trying to "
                  + action
                  + " ("
                  + code
                  + "): check spec.pubsub.projectId and that the Pub/Sub API is enabled in it");
      case RESOURCE_EXHAUSTED ->
          new ProvisioningException(
              "PubSubQuotaExceeded",
              "Pub/Sub quota exceeded while trying to "
                  + action
                  + " in project '"
                  + project
                  + "': raise the project's Pub/Sub quota or remove unused topics and"
                  + " subscriptions; the operator retries");
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE ->
          new ProvisioningException(
              "PubSubInvalidSettings",
              "Pub/Sub refused to " + action + " (" + code + "): " + detail + ": fix spec.pubsub");
      case UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED, INTERNAL, UNKNOWN, CANCELLED ->
          new ProvisioningException(
              "PubSubUnavailable",
              "Pub/Sub did not answer while trying to "
                  + action
                  + " ("
                  + code
                  + "): check the operator's network path to Pub/Sub"
                  + (plan.emulatorHost().isPresent()
                      ? " (emulator " + plan.emulatorHost().get() + ")"
                      : "")
                  + "; the operator retries");
      default ->
          new ProvisioningException(
              "PubSubProvisioningFailed",
              "could not " + action + " (" + code + "): " + detail + "; the operator retries");
    };
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "";
    }
    String line = message.lines().findFirst().orElse("");
    return line.length() > 300 ? line.substring(0, 300) : line;
  }
}
