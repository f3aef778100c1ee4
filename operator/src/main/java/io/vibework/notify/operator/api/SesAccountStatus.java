package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * The SES account quota as the workers last read it (SES GetAccount, reported in their /readyz
 * {@code sesAccount}). {@code checkedAt} is when the workers first reported these figures, so that
 * unchanged figures cause no status write.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SesAccountStatus(
    @JsonPropertyDescription("Emails per second the SES account may send.") Double maxSendRate,
    @JsonPropertyDescription("Emails the SES account may send in 24 hours.") Double max24HourSend,
    @JsonPropertyDescription("Emails the SES account sent in the last 24 hours.")
        Double sentLast24Hours,
    @JsonPropertyDescription("Whether SES lets the account send at all.") Boolean sendingEnabled,
    @JsonPropertyDescription("When a worker first read these figures from SES (RFC 3339).")
        String checkedAt) {

  /** Same figures, whenever they were read. */
  public boolean sameFiguresAs(SesAccountStatus other) {
    return other != null
        && Objects.equals(maxSendRate, other.maxSendRate)
        && Objects.equals(max24HourSend, other.max24HourSend)
        && Objects.equals(sentLast24Hours, other.sentLast24Hours)
        && Objects.equals(sendingEnabled, other.sendingEnabled);
  }
}
