package io.vibework.notify.worker.user;

/** The fields of a {@code users} row the worker needs; nothing sensitive (no password hash). */
public record User(String id, String email, String name) {}
