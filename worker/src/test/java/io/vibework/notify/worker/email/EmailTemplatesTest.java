package io.vibework.notify.worker.email;

import static org.assertj.core.api.Assertions.assertThat;

import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import org.junit.jupiter.api.Test;

class EmailTemplatesTest {
  private final EmailTemplates templates = new EmailTemplates();
  private final User ada = new User("u1", "ada@example.com", "Ada");

  @Test
  void welcomeGreetsByName() {
    Email email =
        templates.render(new Notification("n1", "u1", "welcome", "Ada <Lovelace>", "", ""), ada);

    assertThat(email.to()).isEqualTo("ada@example.com");
    assertThat(email.subject()).isEqualTo("Welcome to VibeWork!");
    assertThat(email.htmlBody()).isEqualTo("<p>Welcome Ada &lt;Lovelace&gt;!</p>");
  }

  @Test
  void welcomeFallsBackToTheUsersName() {
    Email email = templates.render(new Notification("n1", "u1", "welcome", "", "", ""), ada);
    assertThat(email.htmlBody()).isEqualTo("<p>Welcome Ada!</p>");
  }

  @Test
  void notificationUsesTitleAndEscapedMessage() {
    Email email =
        templates.render(
            new Notification(
                "n2", "u1", "notification", "", "Invoice & receipt", "<script>alert('x')</script>"),
            ada);

    assertThat(email.subject()).isEqualTo("Invoice &amp; receipt");
    assertThat(email.htmlBody())
        .isEqualTo("<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>");
  }

  @Test
  void subjectsNeverCarryLineBreaks() {
    Email email =
        templates.render(
            new Notification("n3", "u1", "notification", "", "Hi\r\nBcc: victim@example.com", "m"),
            ada);

    assertThat(email.subject()).doesNotContain("\r", "\n").isEqualTo("Hi Bcc: victim@example.com");
  }

  @Test
  void anyOtherTemplateGetsTheDefault() {
    Email email = templates.render(new Notification("n4", "u1", "digest", "", "t", "m"), ada);

    assertThat(email.subject()).isEqualTo("Notification");
    assertThat(email.htmlBody()).isEqualTo("<p>You have a new notification</p>");
  }
}
