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

    assertThat(email.subject()).as("plain text, not HTML").isEqualTo("Invoice & receipt");
    assertThat(email.htmlBody())
        .isEqualTo("<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>");
    assertThat(email.textBody()).isEqualTo("<script>alert('x')</script>");
  }

  @Test
  void subjectsArePlainTextOnOneLineWithoutControlCharacters() {
    Email email =
        templates.render(
            new Notification(
                "n5",
                "u1",
                "notification",
                "",
                "Your invoice <#42>\u2028& more\u0085\u2029x\ty\u0007z\u001b",
                "m"),
            ada);

    assertThat(email.subject()).isEqualTo("Your invoice <#42> & more x yz");
  }

  @Test
  void subjectsAreCutAt998CharactersWithoutSplittingASurrogatePair() {
    String title = "a".repeat(997) + "\uD83D\uDE00" + "b".repeat(10);
    Email email =
        templates.render(new Notification("n6", "u1", "notification", "", title, "m"), ada);

    assertThat(email.subject()).hasSize(997).isEqualTo("a".repeat(997));
    assertThat(
            templates
                .render(
                    new Notification("n7", "u1", "notification", "", "c".repeat(2000), "m"), ada)
                .subject())
        .hasSize(998);
  }

  @Test
  void everyTemplateHasATextPart() {
    assertThat(
            templates
                .render(new Notification("n8", "u1", "welcome", "Ada & Co", "", ""), ada)
                .textBody())
        .isEqualTo("Welcome Ada & Co!");
    assertThat(templates.render(new Notification("n9", "u1", "other", "", "", ""), ada).textBody())
        .isEqualTo("You have a new notification");
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
