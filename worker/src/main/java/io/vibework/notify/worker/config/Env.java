package io.vibework.notify.worker.config;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Typed reads over a snapshot of the environment. Every failure names the variable; values of
 * secret variables are never echoed back.
 */
final class Env {

  private static final Pattern IPV4 =
      Pattern.compile(
          "((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Set<String> SECRETS =
      Set.of(
          "REDIS_PASSWORD",
          "MYSQL_PASSWORD",
          "AWS_SECRET_ACCESS_KEY",
          "AWS_ACCESS_KEY_ID",
          "MONGODB_URL",
          "REDIS_URL");

  private final Map<String, String> values;

  Env(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  Optional<String> optional(String name) {
    String value = values.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  String required(String name) {
    return optional(name).orElseThrow(() -> new ConfigException(name, "is required but not set"));
  }

  String string(String name, String fallback) {
    return optional(name).orElse(fallback);
  }

  int integer(String name, int fallback, int min, int max) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(
            name, "must be between " + min + " and " + max + show(name, raw.get()));
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a whole number" + show(name, raw.get()));
    }
  }

  double decimal(String name, double fallback, double min) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      double value = Double.parseDouble(raw.get());
      if (value < min || Double.isNaN(value) || Double.isInfinite(value)) {
        throw new ConfigException(
            name, "must be a number of at least " + min + show(name, raw.get()));
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a number" + show(name, raw.get()));
    }
  }

  boolean bool(String name, boolean fallback) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    return switch (raw.get().toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(name, "must be true or false" + show(name, raw.get()));
    };
  }

  <E extends Enum<E>> E choice(String name, Class<E> type, E fallback) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return fallback;
    }
    try {
      return Enum.valueOf(type, raw.get().toUpperCase());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(
          name,
          "must be one of "
              + Arrays.toString(type.getEnumConstants()).toLowerCase()
              + show(name, raw.get()));
    }
  }

  URI uri(String name, String value, Set<String> schemes) {
    try {
      URI uri = new URI(value);
      if (uri.getScheme() == null
          || !schemes.contains(uri.getScheme().toLowerCase())
          || uri.getHost() == null) {
        throw new ConfigException(
            name,
            "must be a URL with scheme "
                + String.join(" or ", schemes)
                + " and a host"
                + show(name, value));
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(name, "is not a valid URL" + show(name, value));
    }
  }

  /** An IP address literal (never a host name: start-up does no DNS lookup for it). */
  Optional<InetAddress> ipAddress(String name) {
    Optional<String> raw = optional(name);
    if (raw.isEmpty()) {
      return Optional.empty();
    }
    String value = raw.get();
    boolean v4 = IPV4.matcher(value).matches();
    boolean v6 = !v4 && value.contains(":") && value.matches("[0-9A-Fa-f:.]+");
    if (v4 || v6) {
      try {
        return Optional.of(InetAddress.getByName(value));
      } catch (UnknownHostException e) {
        // falls through to the one-line refusal
      }
    }
    throw new ConfigException(name, "must be an IP address" + show(name, value));
  }

  /** The offending value, unless the variable holds a secret (URLs may embed passwords). */
  private static String show(String name, String value) {
    return SECRETS.contains(name) ? "" : " (got '" + value + "')";
  }
}
