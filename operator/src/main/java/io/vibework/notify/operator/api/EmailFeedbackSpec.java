package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Where SES bounce and complaint events arrive for the workers to read. */
public record EmailFeedbackSpec(
    @Required
        @Pattern(Patterns.HTTP_URL)
        @JsonPropertyDescription(
            "SQS queue URL that the configuration set's event destination (through SNS or"
                + " EventBridge) fills (AWS_SES_FEEDBACK_QUEUE_URL). The workers need"
                + " sqs:ReceiveMessage, sqs:DeleteMessage and sqs:ChangeMessageVisibility on it.")
        String queueUrl) {}
