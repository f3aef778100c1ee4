package io.vibework.notify.worker.email;

/**
 * SES refused a send for a reason about the account or its credentials (sending paused, quota, bad
 * or expired keys, throttling), not about this message: every message would fail the same way, so
 * none is failed or dead-lettered; the pipeline waits for the account to recover.
 */
public final class SesAccountFailure extends RuntimeException {
  private final String code;

  public SesAccountFailure(String code, String message) {
    super(message);
    this.code = code;
  }

  /** SES's error code, e.g. {@code SendingPausedException}: safe to show, never a secret. */
  public String code() {
    return code;
  }
}
