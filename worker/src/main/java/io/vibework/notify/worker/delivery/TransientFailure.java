package io.vibework.notify.worker.delivery;

/**
 * A failure that may pass by itself (a database away, SES throttling): the message is redelivered.
 * Its message names a client's exception class or SES's error code, never a client's own message
 * (those can quote connection strings), so it is safe to log.
 */
public final class TransientFailure extends RuntimeException {
  public TransientFailure(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * What a log line may say about {@code e}: our own message, or only the class of anyone else's.
   */
  public static String describe(RuntimeException e) {
    return e instanceof TransientFailure ? e.getMessage() : e.getClass().getSimpleName();
  }
}
