package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "!(has(self.credentialsSecretRef) && has(self.roleArn))",
    message = "set either credentialsSecretRef (static keys) or roleArn (assumed role), not both")
@ValidationRule(
    value = "!has(self.reputationGuard) || !self.reputationGuard.enabled || has(self.feedback)",
    message =
        "reputationGuard needs feedback.queueUrl: without SES's bounce and complaint events there"
            + " is no rate to guard")
public record EmailSpec(
    @Required
        @Pattern(Patterns.AWS_REGION)
        @JsonPropertyDescription("AWS region of SES, e.g. eu-west-1.")
        String region,
    @Required @Pattern(Patterns.EMAIL) @JsonPropertyDescription("Verified SES sender address.")
        String fromAddress,
    @Pattern(Patterns.HTTP_URL)
        @JsonPropertyDescription(
            "SES endpoint override (AWS_ENDPOINT_URL_SESV2), e.g. a local SES.")
        String endpoint,
    @JsonPropertyDescription(
            "Secret with keys 'accessKeyId' and 'secretAccessKey'. Alternative to roleArn.")
        SecretRef credentialsSecretRef,
    @Pattern(Patterns.ROLE_ARN)
        @JsonPropertyDescription(
            "IAM role the workers assume (AWS_ROLE_ARN). Alternative to credentialsSecretRef.")
        String roleArn,
    @Default("" + DEFAULT_MAX_RETRIES)
        @Min(0)
        @Max(10)
        @JsonPropertyDescription("Retries of a transient SES failure.")
        Integer maxRetries,
    @Default("" + DEFAULT_MAX_SEND_RATE)
        @Min(1)
        @Max(10000)
        @JsonPropertyDescription(
            "Emails per second for the whole pipeline, shared by its workers through Redis"
                + " (SES_MAX_SEND_RATE); while Redis is unreachable each worker sends at most"
                + " maxSendRate / replicas.")
        Integer maxSendRate,
    @JsonPropertyDescription("Email templates of your own (README: Email templates).")
        EmailTemplatesSpec templates,
    @Pattern("^[A-Za-z0-9_-]{1,64}$")
        @JsonPropertyDescription(
            "SES configuration set every send names (AWS_SES_CONFIGURATION_SET); its event"
                + " destination is what reports bounces and complaints. Unset: no feedback.")
        String configurationSet,
    @JsonPropertyDescription(
            "The SQS queue SES feedback arrives on; the workers suppress hard-bounced and"
                + " complaining addresses.")
        EmailFeedbackSpec feedback,
    @JsonPropertyDescription(
            "Optional: stop sending at a bounce or complaint rate below SES's pause limits"
                + " (README: Reputation guard).")
        ReputationGuardSpec reputationGuard) {

  public static final String ACCESS_KEY_ID_KEY = "accessKeyId";
  public static final String SECRET_ACCESS_KEY_KEY = "secretAccessKey";
  public static final int DEFAULT_MAX_RETRIES = 3;
  public static final int DEFAULT_MAX_SEND_RATE = 14;

  public int maxRetriesOrDefault() {
    return maxRetries == null ? DEFAULT_MAX_RETRIES : maxRetries;
  }

  public int maxSendRateOrDefault() {
    return maxSendRate == null ? DEFAULT_MAX_SEND_RATE : maxSendRate;
  }
}
