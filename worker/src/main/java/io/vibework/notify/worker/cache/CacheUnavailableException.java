package io.vibework.notify.worker.cache;

/** Redis did not answer in time; callers fall back to the source of truth. */
public final class CacheUnavailableException extends RuntimeException {
  public CacheUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
