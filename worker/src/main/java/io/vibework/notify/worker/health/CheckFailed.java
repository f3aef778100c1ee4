package io.vibework.notify.worker.health;

/**
 * A failed check with a short code that {@code /readyz} shows under {@code reasons} (e.g. SES's
 * {@code SendingPausedException}). The code is meant for people and the operator: never a secret.
 */
public final class CheckFailed extends Exception {
  private final String reason;

  public CheckFailed(String reason) {
    super(reason, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
