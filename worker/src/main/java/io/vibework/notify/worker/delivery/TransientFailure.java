package io.vibework.notify.worker.delivery;

/**
 * A failure that may pass by itself (a database away, SES throttling): the message is redelivered.
 */
public final class TransientFailure extends RuntimeException {
  public TransientFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
