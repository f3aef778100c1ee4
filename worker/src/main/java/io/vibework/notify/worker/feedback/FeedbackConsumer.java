package io.vibework.notify.worker.feedback;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vibework.notify.worker.config.EmailSettings;
import io.vibework.notify.worker.config.FeedbackSettings;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Long-polls the SES feedback queue and applies each event ({@link FeedbackEffects}). A message is
 * deleted only after its effects are written; one whose effects failed comes back after the queue's
 * visibility timeout. A message that is no SES event is logged by its class of problem and left
 * alone, so the queue's redrive policy moves it to the dead-letter queue after {@code
 * maxReceiveCount}; a queue without one would hand it out for ever, so past {@link
 * #MAX_RECEIVES_WITHOUT_REDRIVE} receives it is deleted with an error line.
 *
 * <p>The queue being away never stops sending: {@link #healthy()} turns false and the loop keeps
 * trying with backoff.
 */
public final class FeedbackConsumer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FeedbackConsumer.class);
  static final int MAX_RECEIVES_WITHOUT_REDRIVE = 10;
  private static final int WAIT_SECONDS = 10;
  private static final Duration BACKOFF_CAP = Duration.ofSeconds(10);

  private final SqsClient sqs;
  private final String queueUrl;
  private final FeedbackEffects effects;
  private final Optional<FeedbackTopic> topic;
  private final ReputationWindow reputation;
  private final ObjectMapper json;
  private final MeterRegistry registry;
  private final Map<String, Counter> feedback = new ConcurrentHashMap<>();
  private final Counter malformed;
  private final AtomicReference<String> lastError = new AtomicReference<>();
  private final Thread thread;
  private volatile boolean running = true;

  /** Publishes {@code {notificationId, userId, type, subtype, timestamp}}; never an address. */
  @FunctionalInterface
  public interface FeedbackTopic {
    void publish(String notificationId, String userId, String type, String subtype, String at);
  }

  public FeedbackConsumer(
      FeedbackSettings settings,
      EmailSettings email,
      FeedbackEffects effects,
      Optional<FeedbackTopic> topic,
      ReputationWindow reputation,
      ObjectMapper json,
      MeterRegistry registry) {
    this.queueUrl = settings.queueUrl().orElseThrow();
    this.effects = effects;
    this.topic = topic;
    this.reputation = reputation;
    this.json = json;
    this.registry = registry;
    var builder =
        SqsClient.builder()
            .region(Region.of(email.region()))
            // The SDK's MD5 of every body received repeats the integrity check TLS already makes
            // on SQS's HTTPS endpoints; it was 5% of the feedback path's CPU (JFR).
            .checksumValidationEnabled(false)
            .httpClientBuilder(
                ApacheHttpClient.builder()
                    .maxConnections(4)
                    // Longer than the long poll, or every empty receive would time out.
                    .socketTimeout(Duration.ofSeconds(WAIT_SECONDS + 10)))
            .credentialsProvider(
                email.staticKeys().isPresent()
                    ? StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(
                            email.staticKeys().get().accessKeyId(),
                            email.staticKeys().get().secretAccessKey()))
                    : DefaultCredentialsProvider.builder().build());
    settings.endpoint().ifPresent(builder::endpointOverride);
    this.sqs = builder.build();
    this.malformed =
        Counter.builder("notify.worker.ses.feedback.malformed")
            .description("Feedback queue messages that are no SES event, left for the dead letter")
            .register(registry);
    Gauge.builder("notify.worker.ses.feedback.up", () -> healthy() ? 1 : 0)
        .description("1 while the feedback queue answers")
        .register(registry);
    this.thread = Thread.ofVirtual().name("ses-feedback").unstarted(this::loop);
  }

  public FeedbackConsumer start() {
    thread.start();
    return this;
  }

  /** False while the last receive failed; the reason is the exception's class. */
  public boolean healthy() {
    return lastError.get() == null;
  }

  public Optional<String> error() {
    return Optional.ofNullable(lastError.get());
  }

  private Counter counted(FeedbackEvent event) {
    String subtype = event.subtype();
    return feedback.computeIfAbsent(
        event.type().label() + '/' + subtype,
        k ->
            Counter.builder("notify.worker.ses.feedback")
                .description(
                    "SES events applied, by type and subtype (bounce type, complaint type)")
                .tag("type", event.type().label())
                .tag("subtype", subtype.isEmpty() ? "none" : subtype)
                .register(registry));
  }

  private void loop() {
    int failures = 0;
    while (running) {
      try {
        var messages =
            sqs.receiveMessage(
                    r ->
                        r.queueUrl(queueUrl)
                            .maxNumberOfMessages(10)
                            .waitTimeSeconds(WAIT_SECONDS)
                            .messageSystemAttributeNames(
                                MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                .messages();
        lastError.set(null);
        failures = 0;
        List<Message> done = new ArrayList<>(messages.size());
        List<Message> events = new ArrayList<>(messages.size());
        List<FeedbackEvent> parsed = new ArrayList<>(messages.size());
        for (Message message : messages) {
          Optional<FeedbackEvent> event = parse(message);
          if (event.isPresent()) {
            events.add(message);
            parsed.add(event.get());
          } else if (deleteMalformed(message)) {
            done.add(message);
          }
        }
        if (!parsed.isEmpty() && apply(parsed)) {
          done.addAll(events);
        }
        delete(done);
      } catch (SdkException e) {
        if (!running) {
          return;
        }
        if (lastError.getAndSet(e.getClass().getSimpleName()) == null) {
          log.atWarn()
              .addKeyValue("error", e.getClass().getSimpleName())
              .log("feedback queue unreachable; sending goes on, retrying");
        }
        pause(failures++);
      }
    }
  }

  private Optional<FeedbackEvent> parse(Message message) {
    try {
      return Optional.of(FeedbackEvent.parse(message.body(), json));
    } catch (FeedbackEvent.Malformed e) {
      malformed.increment();
      log.atWarn()
          .addKeyValue("reason", e.getMessage())
          .addKeyValue("sqsMessageId", message.messageId())
          .log("feedback message is no SES event; left for the queue's dead letter");
      return Optional.empty();
    }
  }

  /** A malformed message is left for the redrive policy, unless it has come back too often. */
  private boolean deleteMalformed(Message message) {
    int receives =
        Integer.parseInt(
            message
                .attributes()
                .getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"));
    if (receives < MAX_RECEIVES_WITHOUT_REDRIVE) {
      return false;
    }
    log.atError()
        .addKeyValue("sqsMessageId", message.messageId())
        .addKeyValue("receives", receives)
        .log("malformed feedback message received too often (no redrive policy?); deleted");
    return true;
  }

  /** Writes the events' effects; false when they were not all written (they all come back). */
  private boolean apply(List<FeedbackEvent> events) {
    List<FeedbackEffects.Applied> applied;
    try {
      applied = effects.applyAll(events, topic.isPresent());
    } catch (RuntimeException e) {
      log.atWarn()
          .addKeyValue("error", TransientFailure.describe(e))
          .addKeyValue("events", events.size())
          .log(
              "feedback effects not written; the messages come back after their visibility timeout");
      return false;
    }
    for (int i = 0; i < events.size(); i++) {
      if (applied.get(i).fresh()) {
        announce(events.get(i), applied.get(i));
      }
    }
    return true;
  }

  private void announce(FeedbackEvent event, FeedbackEffects.Applied applied) {
    counted(event).increment();
    reputation.record(event);
    if (topic.isPresent() && applied.notification().isPresent()) {
      var n = applied.notification().get();
      try {
        topic
            .get()
            .publish(
                n.getString("_id"),
                n.getString("userId"),
                event.type().label(),
                event.subtype(),
                event.timestamp().toString());
      } catch (RuntimeException e) {
        // Effects are written; a redelivery would count nothing again, so the topic misses one.
        log.atWarn()
            .addKeyValue("error", TransientFailure.describe(e))
            .log("feedback event not published");
      }
    }
  }

  /**
   * One DeleteMessageBatch for what a receive handed out (at most ten): a request per message cost
   * more CPU than applying its effects (JFR, make bench-worker BENCH_FEEDBACK=1).
   */
  private void delete(List<Message> messages) {
    if (messages.isEmpty()) {
      return;
    }
    List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>(messages.size());
    for (int i = 0; i < messages.size(); i++) {
      entries.add(
          DeleteMessageBatchRequestEntry.builder()
              .id(Integer.toString(i))
              .receiptHandle(messages.get(i).receiptHandle())
              .build());
    }
    try {
      var response = sqs.deleteMessageBatch(r -> r.queueUrl(queueUrl).entries(entries));
      if (response.hasFailed() && !response.failed().isEmpty()) {
        // Effects are idempotent: those come back, change nothing and are deleted then.
        log.atWarn()
            .addKeyValue("failed", response.failed().size())
            .addKeyValue("code", response.failed().getFirst().code())
            .log("feedback delete failed for some messages");
      }
    } catch (SdkException e) {
      // Effects are idempotent: the redelivery changes nothing and is deleted then.
      log.atWarn().addKeyValue("error", e.getClass().getSimpleName()).log("feedback delete failed");
    }
  }

  private void pause(int failures) {
    long millis = Math.min(BACKOFF_CAP.toMillis(), 250L << Math.min(failures, 6));
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    thread.interrupt();
    thread.join(Duration.ofSeconds(2));
    // Closing the client aborts a long poll the interrupt did not.
    sqs.close();
    thread.join(Duration.ofSeconds(5));
  }
}
