package io.vibework.notify.worker.pubsub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.worker.delivery.PermanentFailure;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NotificationCreatedTest {
  private final ObjectMapper json = new ObjectMapper();

  @Test
  void parsesTheContract() {
    NotificationCreated event =
        NotificationCreated.parse(
            bytes("{\"notificationId\":\"n1\",\"userId\":\"u1\",\"type\":\"email\",\"extra\":1}"),
            json);

    assertThat(event).isEqualTo(new NotificationCreated("n1", "u1", "email"));
    assertThat(event.isEmail()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "not json",
        "[]",
        "\"text\"",
        "{\"notificationId\":\"n1\",\"type\":\"email\"}",
        "{\"notificationId\":\"n1\",\"userId\":7,\"type\":\"email\"}",
        "{\"notificationId\":\"\",\"userId\":\"u\",\"type\":\"email\"}"
      })
  void anythingElseIsPermanentlyMalformed(String body) {
    assertThatThrownBy(() -> NotificationCreated.parse(bytes(body), json))
        .isInstanceOfSatisfying(
            PermanentFailure.class, f -> assertThat(f.reason()).isEqualTo("malformed_message"));
  }

  @Test
  void findsTheIdOfAMessageThatFailedToParse() {
    assertThatThrownBy(() -> NotificationCreated.parse(bytes("{\"notificationId\":\"n9\"}"), json))
        .isInstanceOfSatisfying(
            PermanentFailure.class, f -> assertThat(f.notificationId()).contains("n9"));
    assertThatThrownBy(() -> NotificationCreated.parse(bytes("garbage"), json))
        .isInstanceOfSatisfying(
            PermanentFailure.class, f -> assertThat(f.notificationId()).isEmpty());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
