package io.vibework.notify.worker.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vibework.notify.worker.email.SesTags;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * SES events in the shapes of the SES developer guide's examples ({@code src/test/resources/
 * ses-events}), filled in for one email, and wrapped in each envelope a queue receives.
 */
public final class SesEvents {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Every fixture, one per event type and subtype the feedback loop tells apart. */
  public static final List<String> ALL =
      List.of(
          "bounce-permanent",
          "bounce-transient",
          "bounce-undetermined",
          "bounce-on-account-suppression-list",
          "complaint-abuse",
          "complaint-without-feedback-type",
          "delivery",
          "delivery-delay",
          "reject");

  public enum Envelope {
    /** The event itself: SNS raw message delivery, or a queue fed directly. */
    RAW,
    /** SNS's JSON envelope, the event as a string in {@code Message}. */
    SNS,
    /** EventBridge's envelope, the event as the {@code detail} object. */
    EVENTBRIDGE
  }

  private SesEvents() {}

  /**
   * @param feedbackId the bounce or complaint's id (ignored by the others)
   */
  public static String event(
      String fixture,
      String address,
      String sesMessageId,
      String notificationId,
      String feedbackId) {
    return event(fixture, address, sesMessageId, notificationId, feedbackId, Instant.now());
  }

  /**
   * @param sentAt when SES accepted the email the event is about ({@code mail.timestamp})
   */
  public static String event(
      String fixture,
      String address,
      String sesMessageId,
      String notificationId,
      String feedbackId,
      Instant sentAt) {
    String at = Instant.now().toString();
    return read(fixture)
        .replace("${address}", address)
        .replace("${messageId}", sesMessageId)
        .replace("${notificationTag}", SesTags.encode(notificationId))
        .replace("${feedbackId}", feedbackId)
        .replace("${sentAt}", sentAt.toString())
        .replace("${at}", at);
  }

  public static String event(
      String fixture, String address, String sesMessageId, String notificationId) {
    return event(fixture, address, sesMessageId, notificationId, UUID.randomUUID().toString());
  }

  public static String wrap(String event, Envelope envelope) {
    try {
      return switch (envelope) {
        case RAW -> event;
        case SNS -> {
          ObjectNode sns = JSON.createObjectNode();
          sns.put("Type", "Notification");
          sns.put("MessageId", UUID.randomUUID().toString());
          sns.put("TopicArn", "arn:aws:sns:us-east-1:123456789012:ses-feedback");
          sns.put("Message", event);
          sns.put("Timestamp", Instant.now().toString());
          sns.put("SignatureVersion", "1");
          sns.put("Signature", "EXAMPLE");
          sns.put("SigningCertURL", "https://sns.us-east-1.amazonaws.com/cert.pem");
          sns.put("UnsubscribeURL", "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe");
          yield sns.toString();
        }
        case EVENTBRIDGE -> {
          ObjectNode bridge = JSON.createObjectNode();
          bridge.put("version", "0");
          bridge.put("id", UUID.randomUUID().toString());
          bridge.put("detail-type", detailType(event));
          bridge.put("source", "aws.ses");
          bridge.put("account", "123456789012");
          bridge.put("time", Instant.now().toString());
          bridge.put("region", "us-east-1");
          bridge
              .putArray("resources")
              .add("arn:aws:ses:us-east-1:123456789012:configuration-set/notify-feedback");
          bridge.set("detail", JSON.readTree(event));
          yield bridge.toString();
        }
      };
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String detailType(String event) throws IOException {
    return switch (JSON.readTree(event).path("eventType").asText()) {
      case "Bounce" -> "Email Bounced";
      case "Complaint" -> "Email Complaint Received";
      case "Delivery" -> "Email Delivered";
      case "DeliveryDelay" -> "Email Delivery Delayed";
      case "Reject" -> "Email Rejected";
      default -> "Email Sent";
    };
  }

  private static String read(String fixture) {
    try (InputStream in = SesEvents.class.getResourceAsStream("/ses-events/" + fixture + ".json")) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + fixture);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
