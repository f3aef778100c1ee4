package io.vibework.notify.worker.email;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vibework.notify.worker.config.EmailSettings;
import io.vibework.notify.worker.delivery.PermanentFailure;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.model.EmailContent;
import software.amazon.awssdk.services.sesv2.model.GetAccountResponse;
import software.amazon.awssdk.services.sesv2.model.MessageTag;
import software.amazon.awssdk.services.sesv2.model.SendEmailResponse;
import software.amazon.awssdk.services.sesv2.model.SendQuota;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Sends through SES v2. Retries are the SDK's own standard strategy, tuned to exponential backoff
 * with full jitter on throttling, 5xx and I/O errors. What still fails after that is sorted by
 * SES's error code ({@link SesErrors}): a {@link PermanentFailure} for this message (a rejected
 * address or content), a {@link SesAccountFailure} for the account or credentials, a {@link
 * TransientFailure} when SES itself is unwell or unreachable.
 */
public final class SesEmailSender implements AutoCloseable {
  private static final Duration BASE_DELAY = Duration.ofMillis(100);
  private static final Duration MAX_DELAY = Duration.ofSeconds(5);
  private static final int MAX_CONNECTIONS = 64;

  private final SesV2Client ses;
  private final String fromAddress;
  private final String configurationSet;
  private final MessageTag pipelineTag;
  private final MissingTemplates missingTemplates;
  private final MeterRegistry registry;
  private final Timer latency;
  // Meters are built once per outcome: a builder and its tags per email cost more than the count.
  private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
  private final Counter sent;
  // At most one send per pooled connection, waiting here in turn: the Apache pool wakes every
  // waiting thread whenever a connection is released, which with a few hundred messages in
  // flight cost about 5% of the worker's CPU (JFR, make bench-worker).
  private final Semaphore connections = new Semaphore(MAX_CONNECTIONS, true);

  public SesEmailSender(EmailSettings settings, MeterRegistry registry) {
    this(settings, new MissingTemplates(), registry);
  }

  /**
   * @param missingTemplates told which SES stored templates a send found missing, and which it
   *     found again
   */
  public SesEmailSender(
      EmailSettings settings, MissingTemplates missingTemplates, MeterRegistry registry) {
    this.missingTemplates = missingTemplates;
    this.fromAddress = settings.fromAddress();
    this.configurationSet = settings.configurationSet().orElse(null);
    this.pipelineTag =
        MessageTag.builder()
            .name("pipeline")
            .value(SesTags.encode(settings.pipelineName()))
            .build();
    this.registry = registry;
    // Registered up front so rate() and alerts see a zero before the first failure.
    this.sent = emails("sent", "ok");
    for (String reason :
        List.of("rejected", "account", "unavailable", "unreachable", "unknown_template")) {
      emails("failed", reason);
    }
    for (String reason : List.of("throttled", "server_error", "io_error")) {
      emails("retried", reason);
    }
    this.latency =
        Timer.builder("notify.worker.email.send.duration")
            .description("SES send latency, the SDK's retries included")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(5))
            .maximumExpectedValue(Duration.ofSeconds(60))
            .register(registry);
    var builder =
        SesV2Client.builder()
            .region(Region.of(settings.region()))
            .credentialsProvider(credentials(settings))
            // Pooled keep-alive connections: the JDK's URLConnection keeps only five idle per
            // host, so under load most sends paid for a fresh TCP connection.
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(MAX_CONNECTIONS)
                    .connectionTimeout(Duration.ofSeconds(3))
                    .connectionAcquisitionTimeout(Duration.ofSeconds(30))
                    .socketTimeout(Duration.ofSeconds(10)))
            .overrideConfiguration(
                o ->
                    o.retryStrategy(
                            AwsRetryStrategy.standardRetryStrategy().toBuilder()
                                .maxAttempts(settings.maxRetries() + 1)
                                .backoffStrategy(
                                    BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY))
                                .throttlingBackoffStrategy(
                                    BackoffStrategy.exponentialDelay(BASE_DELAY, MAX_DELAY))
                                // The circuit breaker would stop retrying under sustained
                                // throttling; the pipeline's account gate paces that instead.
                                .circuitBreakerEnabled(false)
                                .build())
                        .addExecutionInterceptor(new RetryCounter(this::emails)));
    settings.endpoint().ifPresent(builder::endpointOverride);
    this.ses = builder.build();
  }

  private Counter emails(String result, String reason) {
    return outcomes.computeIfAbsent(
        result + '/' + reason,
        key ->
            Counter.builder("notify.worker.emails")
                .description("SES send outcomes: sent, failed after the SDK's retries, or retried")
                .tag("result", result)
                .tag("reason", reason)
                .register(registry));
  }

  /**
   * Sends one email now (HTML and text parts, or an SES stored template), tagged with its
   * notification and pipeline so SES events lead back to it, and returns SES's message id; the
   * pipeline has waited for its slot in the send rate.
   */
  public String send(OutgoingEmail email, String notificationId) {
    try {
      connections.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientFailure("interrupted while waiting for an SES connection", e);
    }
    try {
      return sendNow(email, notificationId);
    } finally {
      connections.release();
    }
  }

  private String sendNow(OutgoingEmail email, String notificationId) {
    MessageTag notificationTag =
        MessageTag.builder().name("notificationId").value(SesTags.encode(notificationId)).build();
    Timer.Sample sample = Timer.start();
    try {
      SendEmailResponse response =
          ses.sendEmail(
              request ->
                  request
                      .fromEmailAddress(fromAddress)
                      .configurationSetName(configurationSet)
                      .emailTags(notificationTag, pipelineTag)
                      .destination(d -> d.toAddresses(email.to()))
                      .content(content(email)));
      sent.increment();
      if (email instanceof StoredTemplateEmail stored) {
        missingTemplates.found(stored.templateName());
      }
      return response.messageId();
    } catch (AwsServiceException e) {
      int status = e.statusCode();
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      String shown = code == null || code.isBlank() ? "HTTP " + status : code;
      if (email instanceof StoredTemplateEmail stored && isMissingTemplate(e, code)) {
        emails("failed", "unknown_template").increment();
        missingTemplates.missing(stored.templateName());
        throw new PermanentFailure(
            MissingTemplates.REASON,
            "SES has no template named '" + stored.templateName() + "' (" + shown + ")");
      }
      switch (SesErrors.classify(status, code)) {
        case ACCOUNT -> {
          emails("failed", "account").increment();
          throw new SesAccountFailure(
              shown, "ses refused the account: HTTP " + status + " " + shown);
        }
        case SERVICE -> {
          emails("failed", "unavailable").increment();
          throw new TransientFailure("ses unavailable: HTTP " + status + " " + shown, e);
        }
        default -> {
          emails("failed", "rejected").increment();
          throw new PermanentFailure(
              "ses_rejected", "ses rejected the email: HTTP " + status + " " + shown);
        }
      }
    } catch (SdkException e) {
      emails("failed", "unreachable").increment();
      throw new TransientFailure("ses unreachable: " + e.getClass().getSimpleName(), e);
    } finally {
      sample.stop(latency);
    }
  }

  private static EmailContent content(OutgoingEmail email) {
    return switch (email) {
      case Email rendered ->
          EmailContent.builder()
              .simple(
                  m ->
                      m.subject(s -> s.data(rendered.subject()).charset("UTF-8"))
                          .body(
                              b ->
                                  b.html(h -> h.data(rendered.htmlBody()).charset("UTF-8"))
                                      .text(t -> t.data(rendered.textBody()).charset("UTF-8"))))
              .build();
      case StoredTemplateEmail stored ->
          EmailContent.builder()
              .template(
                  t -> t.templateName(stored.templateName()).templateData(stored.templateData()))
              .build();
    };
  }

  /**
   * SES answers a send whose template it lacks with NotFoundException (404), which it also uses for
   * a configuration set it lacks: that one is about the account's setup, not this message.
   */
  private static boolean isMissingTemplate(AwsServiceException e, String code) {
    boolean notFound = e.statusCode() == 404 || "NotFoundException".equals(code);
    String message = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorMessage();
    return notFound && (message == null || !message.toLowerCase().contains("configuration set"));
  }

  /**
   * Whether SES has the stored template (GetEmailTemplate).
   *
   * @throws MissingTemplates.LookupRefused when SES refused to answer (credentials, IAM)
   */
  public boolean templateExists(String templateName) {
    try {
      ses.getEmailTemplate(r -> r.templateName(templateName));
      return true;
    } catch (AwsServiceException e) {
      String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
      if (e.statusCode() == 404 || "NotFoundException".equals(code)) {
        return false;
      }
      if (SesErrors.classify(e.statusCode(), code) == SesErrors.Kind.ACCOUNT) {
        throw new MissingTemplates.LookupRefused(
            code == null || code.isBlank() ? "HTTP " + e.statusCode() : code);
      }
      throw e;
    }
  }

  /** Emails SES accepted since the worker started. */
  public double sentSoFar() {
    return sent.count();
  }

  /** The account's sending quota and whether sending is enabled (SES v2 GetAccount). */
  public SesQuota account() {
    GetAccountResponse account = ses.getAccount(r -> {});
    SendQuota quota = account.sendQuota();
    return new SesQuota(
        quota == null || quota.maxSendRate() == null ? 0 : quota.maxSendRate(),
        quota == null || quota.max24HourSend() == null ? 0 : quota.max24HourSend(),
        quota == null || quota.sentLast24Hours() == null ? 0 : quota.sentLast24Hours(),
        Boolean.TRUE.equals(account.sendingEnabled()));
  }

  private static AwsCredentialsProvider credentials(EmailSettings settings) {
    if (settings.staticKeys().isPresent()) {
      var keys = settings.staticKeys().get();
      return StaticCredentialsProvider.create(
          AwsBasicCredentials.create(keys.accessKeyId(), keys.secretAccessKey()));
    }
    if (settings.roleArn().isPresent() && !settings.webIdentity()) {
      StsClient sts = StsClient.builder().region(Region.of(settings.region())).build();
      return StsAssumeRoleCredentialsProvider.builder()
          .stsClient(sts)
          .refreshRequest(
              r -> r.roleArn(settings.roleArn().get()).roleSessionName("notification-worker"))
          .build();
    }
    return DefaultCredentialsProvider.builder().build();
  }

  @Override
  public void close() {
    ses.close();
  }

  /**
   * Counts retries by the reason the previous attempt failed: the SDK calls {@code
   * beforeTransmission} once per attempt and {@code afterTransmission} when an answer came. (A
   * metric publisher would give the same numbers but makes the SDK collect every metric on every
   * call.)
   */
  private static final class RetryCounter implements ExecutionInterceptor {
    private static final ExecutionAttribute<AtomicInteger> ATTEMPTS =
        new ExecutionAttribute<>("notify.attempts");
    private static final ExecutionAttribute<Integer> LAST_STATUS =
        new ExecutionAttribute<>("notify.lastStatus");
    private final BiFunction<String, String, Counter> emails;

    RetryCounter(BiFunction<String, String, Counter> emails) {
      this.emails = emails;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      attributes.putAttribute(ATTEMPTS, new AtomicInteger());
    }

    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      if (attributes.getAttribute(ATTEMPTS).incrementAndGet() > 1) {
        int status = attributes.getAttribute(LAST_STATUS);
        String reason =
            status < 0
                ? "io_error"
                : status == 429 ? "throttled" : status >= 500 ? "server_error" : "other";
        emails.apply("retried", reason).increment();
      }
      attributes.putAttribute(LAST_STATUS, -1);
    }

    @Override
    public void afterTransmission(
        Context.AfterTransmission context, ExecutionAttributes attributes) {
      attributes.putAttribute(LAST_STATUS, context.httpResponse().statusCode());
    }
  }
}
