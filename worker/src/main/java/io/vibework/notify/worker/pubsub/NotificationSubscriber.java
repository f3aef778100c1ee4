package io.vibework.notify.worker.pubsub;

import com.google.api.core.ApiService;
import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.InstantiatingExecutorProvider;
import com.google.cloud.pubsub.v1.AckReplyConsumer;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.cloud.pubsub.v1.SubscriberShutdownSettings;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.pubsub.v1.ProjectSubscriptionName;
import com.google.pubsub.v1.PubsubMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vibework.notify.worker.config.PubSubSettings;
import io.vibework.notify.worker.delivery.DeliveryPipeline;
import io.vibework.notify.worker.delivery.Outcome;
import io.vibework.notify.worker.delivery.StopSignal;
import io.vibework.notify.worker.delivery.TransientFailure;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams messages from the subscription into the pipeline, each on its own virtual thread; flow
 * control bounds how many are in flight.
 *
 * <p>Stopping waits (up to the grace period) for the messages in the pipeline to be acked or
 * nacked; the client nacks whatever it buffered beyond flow control. Leases are extended in short
 * steps so that messages held by a worker that died without nacking come back within seconds, not
 * after the client's default minute-long stream deadline.
 */
public final class NotificationSubscriber {
  private static final Logger log = LoggerFactory.getLogger(NotificationSubscriber.class);
  private static final Duration LEASE_STEP = Duration.ofSeconds(10);

  private final Subscriber subscriber;
  private final DeliveryPipeline pipeline;
  private final ExecutorService work = Executors.newVirtualThreadPerTaskExecutor();
  private final Duration grace;
  private final Counter received;
  private final Counter acked;
  private final Counter nacked;
  private final Timer processing;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final StopSignal stop;

  public NotificationSubscriber(
      PubSubSettings settings,
      PubSubTransport transport,
      DeliveryPipeline pipeline,
      Duration grace,
      StopSignal stop,
      MeterRegistry registry,
      Consumer<Throwable> onFatal) {
    this.pipeline = pipeline;
    this.grace = grace;
    this.stop = stop;
    this.received = messages(registry, "received", "Messages pulled from the subscription");
    this.acked = messages(registry, "acked", "Messages acknowledged");
    this.nacked = messages(registry, "nacked", "Messages handed back for redelivery");
    Gauge.builder("notify.worker.messages.in.flight", inFlight, AtomicInteger::get)
        .description("Messages received and not yet acked or nacked")
        .register(registry);
    this.processing =
        Timer.builder("notify.worker.message.processing.duration")
            .description("Time from receipt to ack or nack")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(5))
            .maximumExpectedValue(Duration.ofMinutes(5))
            .register(registry);
    this.subscriber =
        Subscriber.newBuilder(
                ProjectSubscriptionName.of(settings.projectId(), settings.subscription()),
                this::receive)
            .setChannelProvider(transport.channels())
            .setCredentialsProvider(transport.credentials())
            .setFlowControlSettings(
                FlowControlSettings.newBuilder()
                    .setMaxOutstandingElementCount((long) settings.maxOutstandingMessages())
                    .build())
            .setMaxDurationPerAckExtensionDuration(LEASE_STEP)
            // Callbacks only hand off to a virtual thread, so a small pool is plenty.
            .setExecutorProvider(
                InstantiatingExecutorProvider.newBuilder().setExecutorThreadCount(2).build())
            .setSubscriberShutdownSettings(
                SubscriberShutdownSettings.newBuilder()
                    .setMode(SubscriberShutdownSettings.ShutdownMode.WAIT_FOR_PROCESSING)
                    .setTimeout(grace)
                    .build())
            .build();
    subscriber.addListener(
        new ApiService.Listener() {
          @Override
          public void failed(ApiService.State from, Throwable failure) {
            log.atError().addKeyValue("error", failure.getMessage()).log("subscriber failed");
            onFatal.accept(failure);
          }
        },
        MoreExecutors.directExecutor());
  }

  private static Counter messages(MeterRegistry registry, String outcome, String description) {
    return Counter.builder("notify.worker.messages")
        .description(description)
        .tag("outcome", outcome)
        .register(registry);
  }

  public void start() {
    subscriber.startAsync().awaitRunning();
  }

  public boolean isRunning() {
    return subscriber.isRunning();
  }

  private void receive(PubsubMessage message, AckReplyConsumer reply) {
    received.increment();
    inFlight.incrementAndGet();
    Timer.Sample sample = Timer.start();
    work.execute(
        () -> {
          Integer attempt = Subscriber.getDeliveryAttempt(message);
          Outcome outcome;
          try {
            outcome = pipeline.process(message, attempt == null ? 0 : attempt);
          } catch (RuntimeException e) {
            log.atWarn()
                .addKeyValue("messageId", message.getMessageId())
                .addKeyValue("error", TransientFailure.describe(e))
                .log("message processing failed; will retry");
            outcome = Outcome.NACK;
          }
          try {
            settle(outcome, reply);
          } finally {
            inFlight.decrementAndGet();
            sample.stop(processing);
          }
        });
  }

  private void settle(Outcome outcome, AckReplyConsumer reply) {
    switch (outcome) {
      case ACK -> {
        reply.ack();
        acked.increment();
      }
      case NACK -> {
        reply.nack();
        nacked.increment();
      }
    }
  }

  /**
   * Stops pulling and waits for held messages to settle; returns false if the grace period ran out.
   */
  public boolean stop() {
    // Wake the messages waiting in place first, so they are handed back instead of timing out.
    stop.stop(grace);
    subscriber.stopAsync();
    try {
      subscriber.awaitTerminated(grace.plusSeconds(2).toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException | IllegalStateException e) {
      return false;
    } finally {
      work.shutdown();
    }
  }
}
