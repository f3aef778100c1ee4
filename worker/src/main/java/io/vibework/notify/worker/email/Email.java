package io.vibework.notify.worker.email;

/** A rendered email: a single-line subject and an HTML body whose values are escaped. */
public record Email(String to, String subject, String htmlBody) {}
