package io.vibework.notify.operator.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vibework.notify.operator.api.SesAccountStatus;
import io.vibework.notify.operator.api.WorkerHealth;
import io.vibework.notify.operator.health.WorkerHealthProber.PodAnswer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How the answers of a pipeline's pods become one health result. */
class WorkerHealthProberTest {

  private final WorkerHealthProber prober =
      new WorkerHealthProber(
          pod -> null,
          Duration.ofSeconds(30),
          Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC),
          id -> Optional.empty(),
          p -> List.of());

  private static PodAnswer ok() {
    return new PodAnswer("ready", Map.of("cache", "ok", "database", "ok"), null, null);
  }

  private static PodAnswer cacheDown() {
    return new PodAnswer("not_ready", Map.of("cache", "error", "database", "ok"), null, null);
  }

  private static PodAnswer silent() {
    return new PodAnswer(null, Map.of(), null, "/readyz did not answer: ConnectException");
  }

  @Test
  void everyPodReportingADependencyIsCountedAsShared() {
    WorkerHealth h = prober.combine(List.of(cacheDown(), cacheDown(), cacheDown())).health();
    assertThat(h.status()).isEqualTo("not_ready");
    assertThat(h.checks())
        .containsEntry("cache", "error (3/3 pods)")
        .containsEntry("database", "ok");
    assertThat(h.failingOnEveryPod()).isTrue();
  }

  @Test
  void onePodOfThreeIsReportedAsOne() {
    WorkerHealth h = prober.combine(List.of(ok(), cacheDown(), ok())).health();
    assertThat(h.checks()).containsEntry("cache", "error (1/3 pods)");
    assertThat(h.failingOnEveryPod()).isFalse();
    assertThat(h.pods()).isEqualTo(3);
    assertThat(h.notReadyPods()).isEqualTo(1);
  }

  @Test
  void podsThatDoNotAnswerAreCountedAndNamed() {
    WorkerHealth some = prober.combine(List.of(ok(), silent())).health();
    assertThat(some.status()).isEqualTo("not_ready");
    assertThat(some.unreachablePods()).isEqualTo(1);
    assertThat(some.message()).contains("1 of 2 pods").contains("ConnectException");
    assertThat(some.checks()).containsEntry("cache", "ok");

    WorkerHealth none = prober.combine(List.of(silent(), silent())).health();
    assertThat(none.status()).isEqualTo("unreachable");
    assertThat(none.message()).contains("2 probed");
  }

  @Test
  void theMostRecentSesReadingWins() {
    SesAccountStatus older =
        new SesAccountStatus(14.0, 50000.0, 10.0, true, "2030-01-01T00:00:00Z");
    SesAccountStatus newer =
        new SesAccountStatus(14.0, 50000.0, 11.0, true, "2030-01-01T00:05:00Z");
    var result =
        prober.combine(
            List.of(
                new PodAnswer("ready", Map.of(), older, null),
                new PodAnswer("ready", Map.of(), newer, null)));
    assertThat(result.email()).isEqualTo(newer);
    assertThat(result.health().isReady()).isTrue();
  }

  @Test
  void theBounceRateIsThePodsSummedCountsDividedNotAnAverageOfTheirRates() {
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 10.0, true, "2030-01-01T00:00:00Z");
    // 1 bounce in 10 sends on one pod, none in 990 on the other: 0.1%, not the 5% mean of rates.
    var result =
        prober.combine(
            List.of(
                new PodAnswer("ready", Map.of(), quota, null, new long[] {10, 1, 0, 7, 2}),
                new PodAnswer("ready", Map.of(), null, null, new long[] {990, 0, 1, 6, 3})));
    assertThat(result.email().bounceRate24h()).isEqualTo(0.001);
    assertThat(result.email().complaintRate24h()).isEqualTo(0.001);
    assertThat(result.email().suppressedAddresses()).isEqualTo(7);
    assertThat(result.email().suppressedSends()).isEqualTo(5);
    assertThat(result.email().maxSendRate()).isEqualTo(14.0);
  }

  @Test
  void withoutFeedbackReportsTheEmailStatusHasNoRates() {
    SesAccountStatus quota =
        new SesAccountStatus(14.0, 50000.0, 10.0, true, "2030-01-01T00:00:00Z");
    var result = prober.combine(List.of(new PodAnswer("ready", Map.of(), quota, null)));
    assertThat(result.email()).isEqualTo(quota);
    assertThat(result.email().bounceRate24h()).isNull();
  }

  @Test
  void missingSesTemplatesAreThePodsUnionWithOnlyTemplateNamesTaken() throws Exception {
    PodAnswer one =
        prober.parse(
            200,
            """
                {"status": "ready", "checks": {},
                 "sesTemplates": {"missing": ["acme-digest", "acme-welcome", "<b>evil</b>"]}}
                """);
    PodAnswer other =
        prober.parse(
            200,
            """
                {"status": "ready", "checks": {},
                 "sesTemplates": {"missing": ["acme-digest", "acme-alert"],
                                  "checkRefused": "AccessDeniedException"}}
                """);

    var result = prober.combine(List.of(one, other));

    assertThat(result.email().missingTemplates())
        .containsExactly("acme-alert", "acme-digest", "acme-welcome");
    assertThat(result.email().templateCheck())
        .isEqualTo("GetEmailTemplate refused: AccessDeniedException");
    assertThat(prober.combine(List.of(ok())).email()).isNull();
  }

  @Test
  void aPodWhoseReputationGuardHoldsSendingShowsInTheEmailStatus() {
    PodAnswer held =
        prober.parse(
            200,
            """
            {"status": "not_ready", "checks": {"email": "error"},
             "sesFeedback": {"sends24h": 300, "hardBounces24h": 30, "complaints24h": 0,
                             "suppressedAddresses": 30, "suppressedSends": 0,
                             "reputationGuard": "bounce_rate"}}
            """);
    var result = prober.combine(List.of(held, ok()));
    assertThat(result.email().reputationGuard()).isEqualTo("bounce_rate");
    assertThat(result.email().bounceRate24h()).isEqualTo(0.1);

    PodAnswer smuggling =
        prober.parse(
            200,
            """
            {"status": "ready", "checks": {},
             "sesFeedback": {"sends24h": 1, "hardBounces24h": 0, "complaints24h": 0,
                             "suppressedAddresses": 0, "suppressedSends": 0,
                             "reputationGuard": "<script>alert(1)</script>"}}
            """);
    assertThat(prober.combine(List.of(smuggling)).email().reputationGuard()).isNull();
  }
}
