package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Objects;

/**
 * The SES account quota as the workers last read it (SES GetAccount, reported in their /readyz
 * {@code sesAccount}). {@code checkedAt} is when the workers first reported these figures, so that
 * unchanged figures cause no status write. {@code sentLast24Hours} moves with every email sent, so
 * it alone does not count as a change: it is the figure read when the others last changed, and the
 * live one is the worker metric {@code notify_worker_ses_quota_sent_last_24h}.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SesAccountStatus(
    @JsonPropertyDescription("Emails per second the SES account may send.") Double maxSendRate,
    @JsonPropertyDescription("Emails the SES account may send in 24 hours.") Double max24HourSend,
    @JsonPropertyDescription(
            "Emails the SES account had sent in the last 24 hours when the other figures last"
                + " changed; the live figure is the metric notify_worker_ses_quota_sent_last_24h.")
        Double sentLast24Hours,
    @JsonPropertyDescription("Whether SES lets the account send at all.") Boolean sendingEnabled,
    @JsonPropertyDescription("When a worker first read these figures from SES (RFC 3339).")
        String checkedAt,
    @JsonPropertyDescription(
            "Hard bounces over sends in the last 24 hours, summed over the workers (SES reviews"
                + " an account at 0.05). Set when spec.email.feedback is.")
        Double bounceRate24h,
    @JsonPropertyDescription(
            "Complaints over sends in the last 24 hours (SES reviews an account at 0.001).")
        Double complaintRate24h,
    @JsonPropertyDescription("Addresses on the suppression list.") Long suppressedAddresses,
    @JsonPropertyDescription("Emails not sent to a suppressed address since the workers started.")
        Long suppressedSends,
    @JsonPropertyDescription(
            "With spec.email.templates.source SES: stored templates a send found SES lacks"
                + " (their notifications are dead-lettered, reason unknown_template), at most 20.")
        List<String> missingTemplates,
    @JsonPropertyDescription(
            "Set when the workers could not ask SES whether those templates exist"
                + " (GetEmailTemplate refused): then a name leaves the list only when a send of"
                + " it succeeds.")
        String templateCheck,
    @JsonPropertyDescription(
            "Set while spec.email.reputationGuard holds sending on a worker: bounce_rate or"
                + " complaint_rate.")
        String reputationGuard) {

  public SesAccountStatus(
      Double maxSendRate,
      Double max24HourSend,
      Double sentLast24Hours,
      Boolean sendingEnabled,
      String checkedAt) {
    this(
        maxSendRate,
        max24HourSend,
        sentLast24Hours,
        sendingEnabled,
        checkedAt,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** These figures with the feedback loop's, as summed over the pods. */
  public SesAccountStatus withReputation(
      Double bounceRate, Double complaintRate, Long addresses, Long sends) {
    return withReports(
        bounceRate,
        complaintRate,
        addresses,
        sends,
        missingTemplates,
        templateCheck,
        reputationGuard);
  }

  /** These figures with the SES stored templates the workers found missing. */
  public SesAccountStatus withTemplates(List<String> missing, String check) {
    return withReports(
        bounceRate24h,
        complaintRate24h,
        suppressedAddresses,
        suppressedSends,
        missing,
        check,
        reputationGuard);
  }

  /** These figures with what holds sending ({@code bounce_rate}, say), or null. */
  public SesAccountStatus withReputationGuard(String guard) {
    return withReports(
        bounceRate24h,
        complaintRate24h,
        suppressedAddresses,
        suppressedSends,
        missingTemplates,
        templateCheck,
        guard);
  }

  /** The SES quota as read, with what the workers report besides. */
  private SesAccountStatus withReports(
      Double bounceRate,
      Double complaintRate,
      Long addresses,
      Long sends,
      List<String> missing,
      String check,
      String guard) {
    return new SesAccountStatus(
        maxSendRate,
        max24HourSend,
        sentLast24Hours,
        sendingEnabled,
        checkedAt,
        bounceRate,
        complaintRate,
        addresses,
        sends,
        missing,
        check,
        guard);
  }

  /** Same figures, whenever they were read; sentLast24Hours, which moves with every send, aside. */
  public boolean sameFiguresAs(SesAccountStatus other) {
    return other != null
        && Objects.equals(maxSendRate, other.maxSendRate)
        && Objects.equals(max24HourSend, other.max24HourSend)
        && Objects.equals(sendingEnabled, other.sendingEnabled)
        && Objects.equals(bounceRate24h, other.bounceRate24h)
        && Objects.equals(complaintRate24h, other.complaintRate24h)
        && Objects.equals(suppressedAddresses, other.suppressedAddresses)
        && Objects.equals(suppressedSends, other.suppressedSends)
        && Objects.equals(missingTemplates, other.missingTemplates)
        && Objects.equals(templateCheck, other.templateCheck)
        && Objects.equals(reputationGuard, other.reputationGuard);
  }
}
