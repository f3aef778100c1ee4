package io.vibework.notify.worker.email;

/** The SES account's quota as GetAccount reports it. */
public record SesQuota(
    double maxSendRate, double max24HourSend, double sentLast24Hours, boolean sendingEnabled) {}
