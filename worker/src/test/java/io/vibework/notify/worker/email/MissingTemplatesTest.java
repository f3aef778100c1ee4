package io.vibework.notify.worker.email;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vibework.notify.testkit.FaultProxy;
import io.vibework.notify.testkit.SesEmulator;
import io.vibework.notify.worker.config.EmailSettings;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/** The recheck of missing SES templates, with GetEmailTemplate against the SES emulator. */
class MissingTemplatesTest {
  @RegisterExtension static final SesEmulator ses = new SesEmulator();

  @Test
  void aTemplateCreatedInSesLeavesTheListAtTheRecheck() {
    String created = "t-" + UUID.randomUUID();
    String absent = "t-" + UUID.randomUUID();
    MissingTemplates missing = new MissingTemplates();
    missing.missing(created);
    missing.missing(absent);
    try (SesV2Client admin = admin(ses.endpoint());
        SesEmailSender sender = sender(ses.endpoint(), missing)) {
      admin.createEmailTemplate(
          r -> r.templateName(created).templateContent(c -> c.subject("s").html("<p>h</p>")));

      missing.recheck(sender::templateExists);

      assertThat(missing.detail())
          .containsExactlyEntriesOf(java.util.Map.of("missing", List.of(absent)));
    }
  }

  @Test
  void withoutGetEmailTemplatePermissionTheListSaysItCouldNotCheck() {
    MissingTemplates missing = new MissingTemplates();
    missing.missing("welcome");
    try (FaultProxy proxy =
            new FaultProxy(ses.endpoint()).faultsOnlyOn("/v2/email/templates").start();
        SesEmailSender sender = sender(proxy.uri(), missing)) {
      proxy.failNextLikeSes(
          1, 403, "AccessDeniedException", "not authorized: ses:GetEmailTemplate");

      missing.recheck(sender::templateExists);

      assertThat(missing.detail().get("missing")).isEqualTo(List.of("welcome"));
      assertThat(missing.detail().get("checkRefused")).isEqualTo("AccessDeniedException");

      // Allowed again: the next recheck answers, and says so.
      missing.recheck(sender::templateExists);
      assertThat(missing.detail()).doesNotContainKey("checkRefused");
    }
  }

  @Test
  void theListIsBoundedSinceTemplateNamesAreNotificationData() {
    MissingTemplates missing = new MissingTemplates();
    IntStream.range(0, 80).forEach(i -> missing.missing("type-" + i));
    assertThat((List<?>) missing.detail().get("missing")).hasSize(MissingTemplates.MAX_NAMES);
  }

  private static SesV2Client admin(URI endpoint) {
    return SesV2Client.builder()
        .region(Region.US_EAST_1)
        .endpointOverride(endpoint)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local-secret")))
        .build();
  }

  private static SesEmailSender sender(URI endpoint, MissingTemplates missing) {
    return new SesEmailSender(
        new EmailSettings(
            "us-east-1",
            "noreply@vibework.io",
            Optional.of(endpoint),
            Optional.of(new EmailSettings.StaticKeys("local", "local-secret")),
            Optional.empty(),
            false,
            0,
            0,
            0,
            Optional.empty(),
            "test"),
        missing,
        new SimpleMeterRegistry());
  }
}
