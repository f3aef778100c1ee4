package io.vibework.notify.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import io.vibework.notify.worker.Worker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/**
 * With EMAIL_TEMPLATES_SOURCE=ses the worker sends SES stored templates (SendEmail {@code
 * Content.Template}) and SES renders them; a template SES lacks fails that message for good.
 */
class SesStoredTemplatesTest extends WithRealServers {

  @Test
  void sesRendersItsStoredTemplateAndATemplateItLacksDeadLettersOnlyThatMessage() throws Exception {
    String prefix = PipelineFixture.unique("acme").replaceAll("[^A-Za-z0-9_-]", "-") + "-";
    try (SesV2Client admin = admin()) {
      createTemplate(
          admin, prefix + "welcome", "Hi {{name}}", "<p>Welcome {{name}}, {{recipient}}</p>");
      Topics topics = fixture.freshTopicsWithDeadLetterPolicy(10, 5);
      Map<String, String> env = fixture.environment(topics);
      env.put("EMAIL_TEMPLATES_SOURCE", "ses");
      env.put("SES_TEMPLATE_PREFIX", prefix);
      Worker worker = fixture.startWorker(env);
      String userId = PipelineFixture.unique("stored");
      String address = userId + "@example.com";
      fixture.data.addUser(userId, address, "Ada");
      String welcome = PipelineFixture.unique("n-welcome");
      String digest = PipelineFixture.unique("n-digest");
      fixture.data.addNotification(welcome, userId, "welcome", Map.of("name", "Ada & Co"));
      fixture.data.addNotification(digest, userId, "digest", Map.of());

      fixture.publishCreated(topics, welcome, userId, "email");
      fixture.publishCreated(topics, digest, userId, "email");
      Map<String, JsonNode> outcomes = fixture.awaitOutcomes(topics, List.of(welcome, digest));

      assertThat(outcomes.get(welcome).get("status").asText()).isEqualTo("sent");
      List<SesEmulator.SentEmail> emails = fixture.emailsTo(address);
      assertThat(emails).hasSize(1);
      assertThat(emails.getFirst().subject()).isEqualTo("Hi Ada & Co");
      assertThat(emails.getFirst().htmlBody())
          .isEqualTo("<p>Welcome Ada & Co, " + address + "</p>");

      assertThat(outcomes.get(digest).get("status").asText()).isEqualTo("failed");
      assertThat(outcomes.get(digest).get("reason").asText()).isEqualTo("unknown_template");
      assertThat(pubsub.awaitMessages(topics.deadLetterCheck(), 1, Duration.ofSeconds(10)))
          .extracting(m -> m.attributes().get("deadLetterReason"))
          .containsExactly("unknown_template");
      Document failed = fixture.data.notifications().find(new Document("_id", digest)).first();
      assertThat(failed.getString("status")).isEqualTo("failed");
      assertThat(failed.get("delivery", Document.class).getString("reason"))
          .isEqualTo("unknown_template");
      assertThat(sesTemplates(worker).get("missing").toString())
          .isEqualTo("[\"" + prefix + "digest\"]");

      // Once the template exists, the next notification of its type goes out and the list clears.
      createTemplate(admin, prefix + "digest", "Your digest", "<p>{{name}}</p>");
      String later = PipelineFixture.unique("n-digest");
      fixture.data.addNotification(later, userId, "digest", Map.of());
      fixture.publishCreated(topics, later, userId, "email");
      assertThat(fixture.awaitOutcome(topics, later).get("status").asText()).isEqualTo("sent");
      assertThat(fixture.emailsTo(address))
          .extracting(SesEmulator.SentEmail::subject)
          .containsExactlyInAnyOrder("Hi Ada & Co", "Your digest");
      assertThat(sesTemplates(worker).get("missing").isEmpty()).isTrue();
    }
  }

  private static JsonNode sesTemplates(Worker worker) {
    return PipelineFixture.readyz(worker).get("sesTemplates");
  }

  static SesV2Client admin() {
    return SesV2Client.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(ses.endpoint())
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local-secret")))
        .build();
  }

  static void createTemplate(SesV2Client admin, String name, String subject, String html) {
    admin.createEmailTemplate(
        r ->
            r.templateName(name).templateContent(c -> c.subject(subject).html(html).text(subject)));
  }
}
