package io.vibework.notify.worker.email;

import com.google.common.util.concurrent.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vibework.notify.worker.config.EmailSettings;
import io.vibework.notify.worker.delivery.PermanentFailure;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
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
import software.amazon.awssdk.services.sesv2.model.SendEmailResponse;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * Sends through SES v2. Retries are the SDK's own standard strategy, tuned to exponential backoff
 * with full jitter on throttling, 5xx and I/O errors; what is still failing after that is a {@link
 * TransientFailure} (5xx, 429, I/O) or a {@link PermanentFailure} (any other 4xx, such as a
 * rejected address).
 */
public final class SesEmailSender implements AutoCloseable {
  private static final Duration BASE_DELAY = Duration.ofMillis(100);
  private static final Duration MAX_DELAY = Duration.ofSeconds(5);
  private static final int MAX_CONNECTIONS = 64;

  private final SesV2Client ses;
  private final String fromAddress;
  private final RateLimiter rateLimiter;
  private final Counter sent;
  private final Counter failed;
  private final Timer latency;

  public SesEmailSender(EmailSettings settings, MeterRegistry registry) {
    this.fromAddress = settings.fromAddress();
    this.rateLimiter =
        settings.maxSendRate() > 0 ? RateLimiter.create(settings.maxSendRate()) : null;
    this.sent =
        Counter.builder("worker.emails.sent").description("Emails SES accepted").register(registry);
    this.failed =
        Counter.builder("worker.emails.failed")
            .description("Emails that failed after all retries")
            .register(registry);
    Counter retried =
        Counter.builder("worker.emails.retried")
            .description("SES send attempts that were retries")
            .register(registry);
    this.latency =
        Timer.builder("worker.email.send.latency")
            .description("SES send latency, retries included")
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
                                // throttling; the
                                // message is nacked instead and Pub/Sub's redelivery paces the
                                // retry.
                                .circuitBreakerEnabled(false)
                                .build())
                        .addExecutionInterceptor(new RetryCounter(retried)));
    settings.endpoint().ifPresent(builder::endpointOverride);
    this.ses = builder.build();
  }

  /** Sends one email and returns SES's message id. */
  public String send(Email email) {
    if (rateLimiter != null) {
      rateLimiter.acquire();
    }
    Timer.Sample sample = Timer.start();
    try {
      SendEmailResponse response =
          ses.sendEmail(
              request ->
                  request
                      .fromEmailAddress(fromAddress)
                      .destination(d -> d.toAddresses(email.to()))
                      .content(
                          c ->
                              c.simple(
                                  m ->
                                      m.subject(s -> s.data(email.subject()).charset("UTF-8"))
                                          .body(
                                              b ->
                                                  b.html(
                                                      h ->
                                                          h.data(email.htmlBody())
                                                              .charset("UTF-8"))))));
      sent.increment();
      return response.messageId();
    } catch (AwsServiceException e) {
      failed.increment();
      int status = e.statusCode();
      if (status == 429 || status >= 500 || e.isThrottlingException()) {
        throw new TransientFailure(
            "ses unavailable: HTTP " + status + " " + e.awsErrorDetails().errorCode(), e);
      }
      throw new PermanentFailure(
          "ses_rejected",
          "ses rejected the email: HTTP " + status + " " + e.awsErrorDetails().errorCode());
    } catch (SdkException e) {
      failed.increment();
      throw new TransientFailure("ses unreachable: " + e.getClass().getSimpleName(), e);
    } finally {
      sample.stop(latency);
    }
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
   * Counts retries: the SDK calls {@code beforeTransmission} once per attempt. (A metric publisher
   * would give the same number but makes the SDK collect every metric on every call.)
   */
  private static final class RetryCounter implements ExecutionInterceptor {
    private static final ExecutionAttribute<AtomicInteger> ATTEMPTS =
        new ExecutionAttribute<>("notify.attempts");
    private final Counter retried;

    RetryCounter(Counter retried) {
      this.retried = retried;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
      attributes.putAttribute(ATTEMPTS, new AtomicInteger());
    }

    @Override
    public void beforeTransmission(
        Context.BeforeTransmission context, ExecutionAttributes attributes) {
      if (attributes.getAttribute(ATTEMPTS).incrementAndGet() > 1) {
        retried.increment();
      }
    }
  }
}
