package io.vibework.notify.operator.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The operator's environment, parsed once at start-up so a bad value stops the process before it
 * touches the cluster.
 *
 * @param watchNamespaces empty means every namespace
 */
public record OperatorConfig(
    Set<String> watchNamespaces,
    Duration probeInterval,
    boolean leaderElectionEnabled,
    String leaderElectionNamespace,
    String leaderElectionLeaseName,
    int httpPort,
    String logLevel) {

  private static final Pattern K8S_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
  private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

  public boolean watchAllNamespaces() {
    return watchNamespaces.isEmpty();
  }

  public static OperatorConfig fromEnv(Map<String, String> env) {
    Set<String> namespaces =
        Arrays.stream(env.getOrDefault("WATCH_NAMESPACES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .collect(Collectors.toUnmodifiableSet());
    for (String ns : namespaces) {
      if (!K8S_NAME.matcher(ns).matches() || ns.length() > 63) {
        throw new ConfigException("WATCH_NAMESPACES", "'" + ns + "' is not a valid namespace name");
      }
    }
    int probeSeconds = intVar(env, "PROBE_INTERVAL_SECONDS", 30, 1, 3600);
    boolean leaderElection = boolVar(env, "LEADER_ELECTION_ENABLED", true);
    String leaseNamespace = blankToNull(env.get("LEADER_ELECTION_NAMESPACE"));
    if (leaseNamespace == null) {
      leaseNamespace = blankToNull(env.get("POD_NAMESPACE"));
    }
    if (leaderElection && leaseNamespace == null) {
      throw new ConfigException(
          "LEADER_ELECTION_NAMESPACE",
          "required when LEADER_ELECTION_ENABLED is true (set it, or POD_NAMESPACE)");
    }
    if (leaseNamespace != null && !K8S_NAME.matcher(leaseNamespace).matches()) {
      throw new ConfigException(
          "LEADER_ELECTION_NAMESPACE", "'" + leaseNamespace + "' is not a valid namespace name");
    }
    String leaseName =
        env.getOrDefault("LEADER_ELECTION_LEASE_NAME", "notification-operator-lock").trim();
    if (!K8S_NAME.matcher(leaseName).matches()) {
      throw new ConfigException(
          "LEADER_ELECTION_LEASE_NAME", "'" + leaseName + "' is not a valid Lease name");
    }
    int httpPort = intVar(env, "HTTP_PORT", 8080, 0, 65535);
    String logLevel = env.getOrDefault("LOG_LEVEL", "info").trim().toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(logLevel)) {
      throw new ConfigException("LOG_LEVEL", "'" + logLevel + "' is not one of " + LOG_LEVELS);
    }
    return new OperatorConfig(
        namespaces,
        Duration.ofSeconds(probeSeconds),
        leaderElection,
        leaseNamespace,
        leaseName,
        httpPort,
        logLevel);
  }

  private static int intVar(Map<String, String> env, String name, int dflt, int min, int max) {
    String raw = blankToNull(env.get(name));
    if (raw == null) {
      return dflt;
    }
    try {
      int value = Integer.parseInt(raw.trim());
      if (value < min || value > max) {
        throw new ConfigException(
            name, "must be between " + min + " and " + max + ", got " + value);
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a whole number, got '" + raw + "'");
    }
  }

  private static boolean boolVar(Map<String, String> env, String name, boolean dflt) {
    String raw = blankToNull(env.get(name));
    if (raw == null) {
      return dflt;
    }
    return switch (raw.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(name, "must be true or false, got '" + raw + "'");
    };
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
