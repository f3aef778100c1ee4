package io.vibework.notify.worker.email;

/**
 * An email SES renders from its stored template {@code templateName} with {@code templateData}, the
 * template variables as a JSON object.
 */
public record StoredTemplateEmail(String to, String templateName, String templateData)
    implements OutgoingEmail {}
