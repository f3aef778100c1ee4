package io.vibework.notify.worker.delivery;

/** A message that can never succeed: it is dead-lettered, reported failed and acknowledged. */
public final class PermanentFailure extends RuntimeException {
    private final String reason;

    /** @param reason a short machine-readable code, e.g. {@code unknown_user} */
    public PermanentFailure(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
