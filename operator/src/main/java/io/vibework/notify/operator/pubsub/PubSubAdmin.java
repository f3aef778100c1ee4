package io.vibework.notify.operator.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.GoogleCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.retrying.RetrySettings;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.cloud.pubsub.v1.SubscriptionAdminClient;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import com.google.cloud.pubsub.v1.TopicAdminClient;
import com.google.cloud.pubsub.v1.TopicAdminSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The admin clients, one pair per endpoint: Google's (default credentials, i.e. workload identity
 * or {@code GOOGLE_APPLICATION_CREDENTIALS}) or an emulator's (plaintext, no credentials). Calls
 * give up after a few seconds so a Pub/Sub outage costs a reconcile retry, not a stuck thread.
 */
public final class PubSubAdmin implements AutoCloseable {

  /** The clients for one endpoint. */
  public record Clients(TopicAdminClient topics, SubscriptionAdminClient subscriptions) {}

  private static final String GOOGLE = "";
  private static final RetrySettings RETRIES =
      RetrySettings.newBuilder()
          .setInitialRetryDelayDuration(Duration.ofMillis(100))
          .setRetryDelayMultiplier(2)
          .setMaxRetryDelayDuration(Duration.ofSeconds(1))
          .setInitialRpcTimeoutDuration(Duration.ofSeconds(5))
          .setMaxRpcTimeoutDuration(Duration.ofSeconds(5))
          .setRpcTimeoutMultiplier(1)
          .setTotalTimeoutDuration(Duration.ofSeconds(10))
          .build();

  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();

  public Clients clients(Optional<String> emulatorHost) {
    return endpoints.computeIfAbsent(emulatorHost.orElse(GOOGLE), Endpoint::open).clients();
  }

  @Override
  public void close() {
    endpoints.values().forEach(Endpoint::close);
    endpoints.clear();
  }

  private record Endpoint(Clients clients, ManagedChannel channel) {
    static Endpoint open(String emulatorHost) {
      ManagedChannel channel = null;
      TransportChannelProvider transport;
      CredentialsProvider credentials;
      if (emulatorHost.equals(GOOGLE)) {
        transport = TopicAdminSettings.defaultGrpcTransportProviderBuilder().build();
        credentials =
            GoogleCredentialsProvider.newBuilder()
                .setScopesToApply(List.of("https://www.googleapis.com/auth/pubsub"))
                .build();
      } else {
        channel = ManagedChannelBuilder.forTarget(emulatorHost).usePlaintext().build();
        transport = FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel));
        credentials = NoCredentialsProvider.create();
      }
      try {
        TopicAdminSettings.Builder topics =
            TopicAdminSettings.newBuilder()
                .setTransportChannelProvider(transport)
                .setCredentialsProvider(credentials);
        topics.applyToAllUnaryMethods(
            b -> {
              b.setRetrySettings(RETRIES);
              return null;
            });
        SubscriptionAdminSettings.Builder subscriptions =
            SubscriptionAdminSettings.newBuilder()
                .setTransportChannelProvider(transport)
                .setCredentialsProvider(credentials);
        subscriptions.applyToAllUnaryMethods(
            b -> {
              b.setRetrySettings(RETRIES);
              return null;
            });
        return new Endpoint(
            new Clients(
                TopicAdminClient.create(topics.build()),
                SubscriptionAdminClient.create(subscriptions.build())),
            channel);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the Pub/Sub admin clients", e);
      }
    }

    void close() {
      clients.topics().close();
      clients.subscriptions().close();
      if (channel != null) {
        try {
          channel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
