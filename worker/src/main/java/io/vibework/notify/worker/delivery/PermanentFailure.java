package io.vibework.notify.worker.delivery;

import java.util.Optional;

/** A message that can never succeed: it is dead-lettered, reported failed and acknowledged. */
public final class PermanentFailure extends RuntimeException {
  private final String reason;
  private final String notificationId;

  /**
   * @param reason a short machine-readable code, e.g. {@code unknown_user}
   */
  public PermanentFailure(String reason, String message) {
    this(reason, message, null);
  }

  /**
   * @param notificationId the id the failed message named, if it named one, so the failure can be
   *     reported
   */
  public PermanentFailure(String reason, String message, String notificationId) {
    super(message);
    this.reason = reason;
    this.notificationId = notificationId;
  }

  public String reason() {
    return reason;
  }

  public Optional<String> notificationId() {
    return Optional.ofNullable(notificationId);
  }
}
