package io.vibework.notify.worker.pubsub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.worker.delivery.PermanentFailure;
import java.io.IOException;

/** The {@code notification-created} event: {@code {"notificationId","userId","type"}}. */
public record NotificationCreated(String notificationId, String userId, String type) {

    public boolean isEmail() {
        return "email".equals(type);
    }

    /** Parses the message body; anything unusable is a {@link PermanentFailure}, never retried. */
    public static NotificationCreated parse(byte[] data, ObjectMapper json) {
        JsonNode node;
        try {
            node = json.readTree(data);
        } catch (IOException e) {
            throw new PermanentFailure("malformed_message", "message body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw new PermanentFailure("malformed_message", "message body is not a JSON object");
        }
        return new NotificationCreated(text(node, "notificationId"), text(node, "userId"), text(node, "type"));
    }

    /** The notification id of a message that failed to parse, when it has one, so the failure can be reported. */
    public static String notificationIdOf(byte[] data, ObjectMapper json) {
        try {
            JsonNode id = json.readTree(data).get("notificationId");
            return id != null && id.isTextual() && !id.asText().isBlank() ? id.asText() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new PermanentFailure("malformed_message", "message lacks a string field '" + field + "'");
        }
        return value.asText();
    }
}
