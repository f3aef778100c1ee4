package io.vibework.notify.worker.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.PipelineFixture;
import io.vibework.notify.worker.PipelineFixture.Topics;
import io.vibework.notify.worker.WithRealServers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker given EMAIL_TEMPLATES_DIR sends what those templates say, through real SES. */
class ConfiguredTemplatesTest extends WithRealServers {
  @TempDir Path templates;

  @Test
  void templatesFromTheDirectoryReplaceTheBuiltInsOfTheirTypeOnly() throws IOException {
    Files.writeString(templates.resolve("welcome.subject"), "{{name}}, your account is ready");
    Files.writeString(
        templates.resolve("welcome.html"),
        "<h1>Hello {{name}}</h1><p>Sign in as {{recipient}}.</p>");
    Topics topics = fixture.freshTopics(10);
    String userId = PipelineFixture.unique("ada");
    String address = userId + "@example.com";
    fixture.data.addUser(userId, address, "Ada");
    String welcome = PipelineFixture.unique("n-welcome");
    String notice = PipelineFixture.unique("n-notice");
    fixture.data.addNotification(welcome, userId, "welcome", Map.of("name", "Ada & <Co>"));
    fixture.data.addNotification(
        notice, userId, "notification", Map.of("title", "Bill", "message", "Total < 5"));
    Map<String, String> env = fixture.environment(topics);
    env.put("EMAIL_TEMPLATES_DIR", templates.toString());
    fixture.startWorker(env);

    List.of(welcome, notice).forEach(id -> fixture.publishCreated(topics, id, userId, "email"));
    fixture.awaitOutcomes(topics, List.of(welcome, notice));

    Map<String, SesEmulator.SentEmail> bySubject =
        fixture.emailsTo(address).stream()
            .collect(Collectors.toMap(SesEmulator.SentEmail::subject, Function.identity()));
    assertThat(bySubject).containsOnlyKeys("Ada & <Co>, your account is ready", "Bill");
    SesEmulator.SentEmail custom = bySubject.get("Ada & <Co>, your account is ready");
    assertThat(custom.htmlBody())
        .isEqualTo("<h1>Hello Ada &amp; &lt;Co&gt;</h1><p>Sign in as " + address + ".</p>");
    assertThat(custom.textBody()).isEqualTo("Hello Ada & <Co>\nSign in as " + address + ".");
    assertThat(bySubject.get("Bill").htmlBody()).isEqualTo("<p>Total &lt; 5</p>");
  }
}
