package io.vibework.notify.worker.pubsub;

import com.google.api.gax.core.CredentialsProvider;
import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.api.gax.core.GoogleCredentialsProvider;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.api.gax.rpc.TransportChannelProvider;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.pubsub.v1.SubscriptionAdminSettings;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vibework.notify.worker.config.PubSubSettings;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the publishers and the subscriber reach Pub/Sub. The Java client does not read {@code
 * PUBSUB_EMULATOR_HOST} itself, so with it set we build a plaintext channel without credentials;
 * otherwise the client's defaults apply (with a key file when one is named).
 */
public final class PubSubTransport implements AutoCloseable {
  private final ManagedChannel emulatorChannel;
  private final TransportChannelProvider channels;
  private final CredentialsProvider credentials;

  public PubSubTransport(PubSubSettings settings) throws IOException {
    if (settings.emulatorHost().isPresent()) {
      emulatorChannel =
          ManagedChannelBuilder.forTarget(settings.emulatorHost().get()).usePlaintext().build();
      channels = FixedTransportChannelProvider.create(GrpcTransportChannel.create(emulatorChannel));
      credentials = NoCredentialsProvider.create();
    } else {
      emulatorChannel = null;
      channels = SubscriptionAdminSettings.defaultGrpcTransportProviderBuilder().build();
      credentials =
          settings.credentialsFile().isPresent()
              ? FixedCredentialsProvider.create(keyFile(settings.credentialsFile().get()))
              : GoogleCredentialsProvider.newBuilder()
                  .setScopesToApply(List.of("https://www.googleapis.com/auth/pubsub"))
                  .build();
    }
  }

  public TransportChannelProvider channels() {
    return channels;
  }

  public CredentialsProvider credentials() {
    return credentials;
  }

  private static GoogleCredentials keyFile(String path) throws IOException {
    try (InputStream in = new FileInputStream(path)) {
      return GoogleCredentials.fromStream(in)
          .createScoped("https://www.googleapis.com/auth/pubsub");
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (emulatorChannel != null) {
      emulatorChannel.shutdown().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
