package io.vibework.notify.templates;

/** The three parts of an email: one-line plain subject, HTML body, and its plain-text twin. */
public record RenderedEmail(String subject, String html, String text) {}
