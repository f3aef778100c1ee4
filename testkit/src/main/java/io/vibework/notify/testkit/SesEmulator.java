package io.vibework.notify.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A local SES v2 endpoint: the npm package {@code aws-ses-v2-local}, installed by {@code
 * scripts/install-deps.sh} into the repo's {@code .local/ses}. Sent mail is kept in memory and read
 * back with {@link #emails()}.
 *
 * <p>Point the AWS SDK at {@link #endpoint()} ({@code AWS_ENDPOINT_URL_SESV2}); any region and any
 * access key work, but requests must carry an {@code Authorization: AWS...} header (the SDK signs
 * them anyway). After {@link #stop()} / {@link #start()} the store is empty.
 */
public final class SesEmulator extends ServerProcess<SesEmulator> {

  static final String PACKAGE = "aws-ses-v2-local";
  static final String INSTALL_HINT =
      "run 'make deps' (scripts/install-deps.sh: npm install --prefix .local/ses aws-ses-v2-local@2.10.2)";

  /** The account GetAccount reports: {@link #ACCOUNT_MAX_SEND_RATE} emails/s, 50,000 a day. */
  public static final double ACCOUNT_MAX_SEND_RATE = 14.0;

  static final String ACCOUNT_JSON =
      """
      {"DedicatedIpAutoWarmupEnabled":false,
       "Details":{"AdditionalContactEmailAddresses":[],"ContactLanguage":"EN","MailType":"TRANSACTIONAL",
                  "ReviewDetails":{"CaseId":"local","Status":"GRANTED"},
                  "UseCaseDescription":"tests","WebsiteURL":"https://example.com"},
       "EnforcementStatus":"HEALTHY","ProductionAccessEnabled":true,"SendingEnabled":true,
       "SendQuota":{"Max24HourSend":50000,"MaxSendRate":14,"SentLast24Hours":0},
       "SuppressionAttributes":{"SuppressedReasons":[]}}
      """;

  /** One stored email, mapped from the emulator's {@code GET /store}. */
  public record SentEmail(
      String from,
      List<String> to,
      String subject,
      String htmlBody,
      String textBody,
      String messageId) {}

  private final Path installDir;
  private Path node;
  private Path cli;

  /** Uses {@code <repo>/.local/ses}, the repo found by walking up from {@code user.dir}. */
  public SesEmulator() {
    this(null);
  }

  /**
   * @param installDir the npm prefix holding {@code node_modules/aws-ses-v2-local}
   */
  public SesEmulator(Path installDir) {
    super("ses");
    this.installDir = installDir;
  }

  /** {@code http://127.0.0.1:N}: the value for {@code AWS_ENDPOINT_URL_SESV2}. */
  public URI endpoint() {
    return URI.create("http://" + host() + ":" + port());
  }

  /** Every email sent since the start or the last {@link #clear()}, oldest first. */
  public List<SentEmail> emails() {
    JsonNode store = Http.call("GET", endpoint().resolve("/store"), null);
    List<SentEmail> emails = new ArrayList<>();
    for (JsonNode email : store.path("emails")) {
      List<String> to = new ArrayList<>();
      email.path("destination").path("to").forEach(address -> to.add(address.asText()));
      JsonNode body = email.path("body");
      emails.add(
          new SentEmail(
              email.path("from").asText(null),
              List.copyOf(to),
              email.path("subject").asText(null),
              body.path("html").asText(null),
              body.path("text").asText(null),
              email.path("messageId").asText(null)));
    }
    return emails;
  }

  /** Empties the store (emails and templates). */
  public void clear() {
    Http.call("POST", endpoint().resolve("/clear-store"), Map.of());
  }

  /**
   * The repo root: the nearest folder at or above {@code user.dir} holding scripts/install-deps.sh.
   */
  static Path repoRoot() {
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("scripts/install-deps.sh"))) {
        return dir;
      }
    }
    throw missing(
        "cannot find the repo root (a folder with scripts/install-deps.sh) at or above "
            + start
            + ": run the tests from inside the repo, or pass the .local/ses folder to new SesEmulator(Path)");
  }

  @Override
  protected void verifyInstalled() {
    node = findExecutable("node", "run 'make deps' (apt-get install -y nodejs npm)");
    Path prefix = installDir != null ? installDir : repoRoot().resolve(".local/ses");
    cli = prefix.resolve("node_modules").resolve(PACKAGE).resolve("dist/cli.js");
    if (!Files.isRegularFile(cli)) {
      throw missing(PACKAGE + " not found in " + prefix + ": " + INSTALL_HINT);
    }
  }

  @Override
  protected List<String> command(int port) {
    return List.of(
        node.toString(), cli.toString(), "--host", Ports.LOOPBACK, "--port", String.valueOf(port));
  }

  @Override
  protected void environment(Map<String, String> env) {
    env.remove("SMTP_TRANSPORT"); // else it also relays every email to that SMTP server
    env.remove("NODE_OPTIONS");
    // GetAccount answers only with an account configured: a sandbox-like one, as SES reports it.
    env.put("AWS_SES_ACCOUNT", ACCOUNT_JSON);
  }

  @Override
  protected boolean isReady() {
    return Http.send("GET", endpoint().resolve("/health-check"), null).ok();
  }
}
