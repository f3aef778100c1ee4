package io.vibework.notify.worker.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.worker.feedback.FeedbackEvent.Type;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FeedbackEventTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  record Expected(Type type, String subtype, boolean hard, boolean keyedByFeedbackId) {}

  static Expected expected(String fixture) {
    return switch (fixture) {
      case "bounce-permanent" -> new Expected(Type.BOUNCE, "Permanent", true, true);
      case "bounce-transient" -> new Expected(Type.BOUNCE, "Transient", false, true);
      case "bounce-undetermined" -> new Expected(Type.BOUNCE, "Undetermined", true, true);
      case "bounce-on-account-suppression-list" ->
          new Expected(Type.BOUNCE, "Permanent", true, true);
      case "complaint-abuse" -> new Expected(Type.COMPLAINT, "abuse", false, true);
      case "complaint-without-feedback-type" -> new Expected(Type.COMPLAINT, "", false, true);
      case "delivery" -> new Expected(Type.DELIVERY, "", false, false);
      case "delivery-delay" ->
          new Expected(Type.DELIVERY_DELAY, "TransientCommunicationFailure", false, false);
      case "reject" -> new Expected(Type.REJECT, "Bad content", false, false);
      default -> throw new IllegalArgumentException(fixture);
    };
  }

  static Stream<Arguments> everyFixtureInEveryEnvelope() {
    return SesEvents.ALL.stream()
        .flatMap(f -> Stream.of(SesEvents.Envelope.values()).map(e -> Arguments.of(f, e)));
  }

  @ParameterizedTest(name = "{0} in {1}")
  @MethodSource("everyFixtureInEveryEnvelope")
  void readsEveryEventTypeInEveryEnvelope(String fixture, SesEvents.Envelope envelope)
      throws Exception {
    String body =
        SesEvents.wrap(
            SesEvents.event(fixture, "Jane@Example.com", "ses-msg-1", "orders/n.1", "fb-1"),
            envelope);

    FeedbackEvent event = FeedbackEvent.parse(body, JSON);

    Expected expected = expected(fixture);
    assertThat(event.type()).isEqualTo(expected.type());
    assertThat(event.subtype()).isEqualTo(expected.subtype());
    assertThat(event.hardBounce()).isEqualTo(expected.hard());
    assertThat(event.recipients()).containsExactly("Jane@Example.com");
    assertThat(event.sesMessageId()).isEqualTo("ses-msg-1");
    assertThat(event.notificationId()).contains("orders/n.1");
    assertThat(event.key())
        .isEqualTo(expected.keyedByFeedbackId() ? "fb-1" : "ses-msg-1/" + expected.type().label());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "[1,2]",
        "{\"eventType\":\"Bounce\",\"mail\":{\"messageId\":\"m\"}}",
        "{\"mail\":{\"messageId\":\"m\"}}",
        "{\"Type\":\"Notification\",\"Message\":\"{broken\"}",
        "{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"timestamp\":\"2026-01-01T00:00:00Z\"},\"mail\":{\"messageId\":\"m\"}}"
      })
  void whatIsNoSesEventIsMalformed(String body) {
    assertThatThrownBy(() -> FeedbackEvent.parse(body, JSON))
        .isInstanceOf(FeedbackEvent.Malformed.class);
  }

  @org.junit.jupiter.api.Test
  void anIdentityNotificationIsReadByItsNotificationType() throws Exception {
    String identity =
        SesEvents.event("bounce-permanent", "a@example.com", "m-2", "n-2", "fb-2")
            .replace("\"eventType\"", "\"notificationType\"");
    FeedbackEvent event =
        FeedbackEvent.parse(SesEvents.wrap(identity, SesEvents.Envelope.SNS), JSON);
    assertThat(event.type()).isEqualTo(Type.BOUNCE);
    assertThat(event.hardBounce()).isTrue();
    assertThat(List.of(event.key())).containsExactly("fb-2");
  }
}
