package io.vibework.notify.worker.notification;

/**
 * A {@code notifications} document as the templates need it. Missing data fields are empty strings.
 */
public record Notification(
    String id, String userId, String template, String name, String title, String message) {}
