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
    String notificationId = text(node, "notificationId");
    for (String field : new String[] {"notificationId", "userId", "type"}) {
      if (text(node, field) == null) {
        // Carry the id along when there is one, so the failure can still be reported on
        // notification-sent.
        throw new PermanentFailure(
            "malformed_message", "message lacks a string field '" + field + "'", notificationId);
      }
    }
    return new NotificationCreated(notificationId, text(node, "userId"), text(node, "type"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    return value == null || !value.isTextual() || value.asText().isBlank() ? null : value.asText();
  }
}
