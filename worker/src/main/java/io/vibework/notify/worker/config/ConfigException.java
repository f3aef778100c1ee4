package io.vibework.notify.worker.config;

/**
 * A missing or malformed environment variable. The message is one line and never holds a secret.
 */
public final class ConfigException extends RuntimeException {
  public ConfigException(String variable, String problem) {
    super(variable + ": " + problem);
  }
}
