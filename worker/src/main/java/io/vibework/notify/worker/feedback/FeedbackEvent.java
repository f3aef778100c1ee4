package io.vibework.notify.worker.feedback;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.worker.email.SesTags;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One SES event as the feedback loop needs it, read from any of the three shapes an SQS queue
 * receives: the event itself (SNS raw message delivery), SNS's envelope ({@code Type:
 * Notification}, the event as a string in {@code Message}), or EventBridge's ({@code detail}).
 * Event publishing names the type {@code eventType}; identity notifications name it {@code
 * notificationType}. Field names follow the SES developer guide's examples.
 *
 * @param key what makes the event's effects idempotent: the bounce or complaint's {@code
 *     feedbackId}, else the SES message id and the type
 * @param subtype the bounce type ({@code Permanent}, {@code Transient}, {@code Undetermined}), the
 *     complaint's feedback type, the delay type or the reject reason; empty when there is none
 * @param bounceSubType SES's {@code bounceSubType} (say {@code OnAccountSuppressionList}), or empty
 * @param notificationId from our {@code notificationId} tag, when the event carries it
 */
public record FeedbackEvent(
    String key,
    Type type,
    String subtype,
    String bounceSubType,
    String sesMessageId,
    Optional<String> notificationId,
    List<String> recipients,
    Instant timestamp,
    Instant sentAt) {

  public enum Type {
    BOUNCE("Bounce", "bounce", "bouncedRecipients"),
    COMPLAINT("Complaint", "complaint", "complainedRecipients"),
    DELIVERY("Delivery", "delivery", "recipients"),
    DELIVERY_DELAY("DeliveryDelay", "deliveryDelay", "delayedRecipients"),
    REJECT("Reject", "reject", null),
    /** Send, Open, Click and the others: acknowledged, no effect. */
    OTHER("", "", null);

    final String sesName;
    final String field;
    final String recipientsField;

    Type(String sesName, String field, String recipientsField) {
      this.sesName = sesName;
      this.field = field;
      this.recipientsField = recipientsField;
    }

    /** The metric label: {@code bounce}, {@code complaint}, {@code delivery_delay}, ... */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Type of(String sesName) {
      for (Type type : values()) {
        if (type.sesName.equals(sesName)) {
          return type;
        }
      }
      return OTHER;
    }
  }

  /** Not an SES event in any shape we accept; the message's class of problem is the reason. */
  public static final class Malformed extends Exception {
    public Malformed(String reason) {
      super(reason, null, false, false);
    }
  }

  public boolean hardBounce() {
    return type == Type.BOUNCE
        && (subtype.equals("Permanent")
            || subtype.equals("Undetermined")
            || bounceSubType.equals("OnAccountSuppressionList"));
  }

  public boolean transientBounce() {
    return type == Type.BOUNCE && !hardBounce();
  }

  public static FeedbackEvent parse(String body, ObjectMapper json) throws Malformed {
    JsonNode event = unwrap(read(body, json), json);
    String typeName =
        text(event, "eventType").orElseGet(() -> text(event, "notificationType").orElse(""));
    if (typeName.isEmpty()) {
      throw new Malformed("no_event_type");
    }
    Type type = Type.of(typeName);
    JsonNode mail = event.path("mail");
    String messageId = text(mail, "messageId").orElseThrow(() -> new Malformed("no_message_id"));
    JsonNode detail =
        type == Type.OTHER
            ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
            : event.path(type.field);
    if (type != Type.OTHER && !detail.isObject()) {
      throw new Malformed("no_" + type.field + "_object");
    }
    String subtype =
        switch (type) {
          case BOUNCE ->
              text(detail, "bounceType").orElseThrow(() -> new Malformed("no_bounce_type"));
          case COMPLAINT -> text(detail, "complaintFeedbackType").orElse("");
          case DELIVERY_DELAY -> text(detail, "delayType").orElse("");
          case REJECT -> text(detail, "reason").orElse("");
          default -> "";
        };
    List<String> recipients = new ArrayList<>();
    if (type.recipientsField != null) {
      for (JsonNode r : detail.path(type.recipientsField)) {
        String address = r.isTextual() ? r.asText() : r.path("emailAddress").asText("");
        if (!address.isBlank()) {
          recipients.add(address);
        }
      }
    }
    if (recipients.isEmpty()) {
      // Reject names nobody; the mail's destination is whom it was for.
      mail.path("destination").forEach(d -> recipients.add(d.asText()));
    }
    if ((type == Type.BOUNCE || type == Type.COMPLAINT) && recipients.isEmpty()) {
      throw new Malformed("no_recipients");
    }
    Optional<String> feedbackId = text(detail, "feedbackId");
    Optional<String> notificationId =
        Optional.ofNullable(mail.path("tags").path("notificationId").path(0).asText(null))
            .map(SesTags::decode);
    Instant at = instant(text(detail, "timestamp").or(() -> text(mail, "timestamp")));
    return new FeedbackEvent(
        feedbackId.orElse(messageId + "/" + type.label()),
        type,
        subtype,
        text(detail, "bounceSubType").orElse(""),
        messageId,
        notificationId,
        List.copyOf(recipients),
        at,
        // When SES accepted the email the event is about; events without it count as sent then.
        text(mail, "timestamp")
            .map(FeedbackEvent::instantOrNull)
            .filter(t -> t != null)
            .orElse(at));
  }

  private static Instant instantOrNull(String text) {
    try {
      return Instant.parse(text);
    } catch (java.time.format.DateTimeParseException e) {
      return null;
    }
  }

  private static JsonNode unwrap(JsonNode node, ObjectMapper json) throws Malformed {
    if ("Notification".equals(node.path("Type").asText()) && node.path("Message").isTextual()) {
      return read(node.get("Message").asText(), json);
    }
    if (node.path("detail").isObject() && node.has("detail-type")) {
      return node.get("detail");
    }
    return node;
  }

  private static JsonNode read(String body, ObjectMapper json) throws Malformed {
    try {
      JsonNode node = json.readTree(body);
      if (node == null || !node.isObject()) {
        throw new Malformed("not_a_json_object");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new Malformed("not_json");
    }
  }

  private static Optional<String> text(JsonNode node, String field) {
    JsonNode value = node.path(field);
    return value.isTextual() && !value.asText().isBlank()
        ? Optional.of(value.asText())
        : Optional.empty();
  }

  private static Instant instant(Optional<String> text) throws Malformed {
    if (text.isEmpty()) {
      throw new Malformed("no_timestamp");
    }
    try {
      return Instant.parse(text.get());
    } catch (DateTimeParseException e) {
      throw new Malformed("bad_timestamp");
    }
  }
}
