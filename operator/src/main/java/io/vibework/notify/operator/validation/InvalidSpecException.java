package io.vibework.notify.operator.validation;

import java.util.Optional;

/**
 * A spec the operator cannot act on. {@code reason} is a CamelCase condition reason; {@code
 * message} tells a person what to fix and never carries a secret value.
 */
public class InvalidSpecException extends RuntimeException {

  public static final String CACHE_CONFIG_NOT_FOUND = "CacheConfigNotFound";
  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String SECRET_KEY_NOT_FOUND = "SecretKeyNotFound";
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String CONFIG_MAP_NOT_FOUND = "ConfigMapNotFound";
  public static final String INVALID_TEMPLATE = "InvalidTemplate";

  private final String reason;

  public InvalidSpecException(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** JOSDK wraps what the reconciler throws; find ours anywhere in the cause chain. */
  public static Optional<InvalidSpecException> in(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof InvalidSpecException invalid) {
        return Optional.of(invalid);
      }
    }
    return Optional.empty();
  }

  public String reason() {
    return reason;
  }
}
