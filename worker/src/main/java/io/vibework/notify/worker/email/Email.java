package io.vibework.notify.worker.email;

/**
 * A rendered email: a plain-text single-line subject, an HTML body whose values are escaped, and
 * the same content as plain text for the {@code text/plain} part.
 */
public record Email(String to, String subject, String htmlBody, String textBody)
    implements OutgoingEmail {}
