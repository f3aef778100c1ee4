package io.vibework.notify.operator.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OperatorConfigTest {

  @Test
  void defaultsWatchEverythingWithLeaderElectionInThePodNamespace() {
    OperatorConfig c = OperatorConfig.fromEnv(Map.of("POD_NAMESPACE", "notify-system"));
    assertThat(c.watchAllNamespaces()).isTrue();
    assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.leaderElectionEnabled()).isTrue();
    assertThat(c.leaderElectionNamespace()).isEqualTo("notify-system");
    assertThat(c.leaderElectionLeaseName()).isEqualTo("notification-operator-lock");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.logLevel()).isEqualTo("info");
  }

  @Test
  void readsEveryVariable() {
    OperatorConfig c =
        OperatorConfig.fromEnv(
            Map.of(
                "WATCH_NAMESPACES",
                "team-a, team-b",
                "PROBE_INTERVAL_SECONDS",
                "5",
                "LEADER_ELECTION_ENABLED",
                "false",
                "LEADER_ELECTION_NAMESPACE",
                "ops",
                "LEADER_ELECTION_LEASE_NAME",
                "lock-2",
                "HTTP_PORT",
                "9090",
                "LOG_LEVEL",
                "DEBUG"));
    assertThat(c.watchNamespaces()).isEqualTo(Set.of("team-a", "team-b"));
    assertThat(c.probeInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.leaderElectionEnabled()).isFalse();
    assertThat(c.leaderElectionNamespace()).isEqualTo("ops");
    assertThat(c.leaderElectionLeaseName()).isEqualTo("lock-2");
    assertThat(c.httpPort()).isEqualTo(9090);
    assertThat(c.logLevel()).isEqualTo("debug");
  }

  @Test
  void aBadValueNamesItsVariable() {
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("PROBE_INTERVAL_SECONDS", "soon", "POD_NAMESPACE", "x")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("PROBE_INTERVAL_SECONDS:");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("LEADER_ELECTION_ENABLED", "yes", "POD_NAMESPACE", "x")))
        .hasMessageStartingWith("LEADER_ELECTION_ENABLED:");
    assertThatThrownBy(() -> OperatorConfig.fromEnv(Map.of()))
        .hasMessageStartingWith("LEADER_ELECTION_NAMESPACE:");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("WATCH_NAMESPACES", "Bad_NS", "LEADER_ELECTION_ENABLED", "false")))
        .hasMessageStartingWith("WATCH_NAMESPACES:");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("HTTP_PORT", "70000", "LEADER_ELECTION_ENABLED", "false")))
        .hasMessageStartingWith("HTTP_PORT:");
    assertThatThrownBy(
            () ->
                OperatorConfig.fromEnv(
                    Map.of("LOG_LEVEL", "loud", "LEADER_ELECTION_ENABLED", "false")))
        .hasMessageStartingWith("LOG_LEVEL:");
  }
}
