package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The worker pod's user and group ids. The rest of the security context (non-root, read-only root
 * filesystem, no privilege escalation, all capabilities dropped, RuntimeDefault seccomp) is fixed.
 */
@ValidationRule(
    value =
        "!(has(self.platformAssignsIds) && self.platformAssignsIds) || !(has(self.runAsUser) || has(self.runAsGroup) || has(self.fsGroup))",
    message = "podSecurity: set platformAssignsIds or runAsUser/runAsGroup/fsGroup, not both")
public record PodSecuritySpec(
    @JsonPropertyDescription(
            "Leave runAsUser, runAsGroup and fsGroup unset so the platform assigns them (OpenShift's restricted SCC does). runAsNonRoot stays true.")
        @Default("false")
        Boolean platformAssignsIds,
    @Min(1) @Max(2147483647) @JsonPropertyDescription("User id the worker runs as (default 10001).")
        Long runAsUser,
    @Min(1)
        @Max(2147483647)
        @JsonPropertyDescription("Group id the worker runs as (default 10001).")
        Long runAsGroup,
    @Min(1)
        @Max(2147483647)
        @JsonPropertyDescription("Group that owns mounted volumes (default 10001).")
        Long fsGroup) {

  public static final long DEFAULT_ID = 10001L;

  public static boolean platformAssigns(PodSecuritySpec s) {
    return s != null && Boolean.TRUE.equals(s.platformAssignsIds());
  }

  public static Long runAsUserOf(PodSecuritySpec s) {
    return s == null || s.runAsUser() == null ? DEFAULT_ID : s.runAsUser();
  }

  public static Long runAsGroupOf(PodSecuritySpec s) {
    return s == null || s.runAsGroup() == null ? DEFAULT_ID : s.runAsGroup();
  }

  public static Long fsGroupOf(PodSecuritySpec s) {
    return s == null || s.fsGroup() == null ? DEFAULT_ID : s.fsGroup();
  }
}
