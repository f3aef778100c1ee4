package io.vibework.notify.worker.bench;

import com.google.api.gax.batching.FlowControlSettings;
import com.google.api.gax.core.NoCredentialsProvider;
import com.google.api.gax.grpc.GrpcTransportChannel;
import com.google.api.gax.rpc.FixedTransportChannelProvider;
import com.google.cloud.pubsub.v1.MessageReceiver;
import com.google.cloud.pubsub.v1.Subscriber;
import com.google.pubsub.v1.ProjectSubscriptionName;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The benchmark's baseline: the bare Pub/Sub client receiving and acking, nothing else. Prints
 * {@code ready} once subscribed and {@code acked N} as it goes, so the benchmark can time it
 * exactly like the worker. Args: emulatorHost project subscription expected maxOutstanding.
 */
public final class BareSubscriberMain {
  private BareSubscriberMain() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    long expected = Long.parseLong(args[3]);
    ManagedChannel channel = ManagedChannelBuilder.forTarget(host).usePlaintext().build();
    AtomicLong acked = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    Subscriber subscriber =
        Subscriber.newBuilder(
                ProjectSubscriptionName.of(args[1], args[2]),
                (MessageReceiver)
                    (message, reply) -> {
                      reply.ack();
                      long n = acked.incrementAndGet();
                      if (n % 100 == 0 || n == expected) {
                        System.out.println("acked " + n);
                      }
                      if (n >= expected) {
                        done.countDown();
                      }
                    })
            .setChannelProvider(
                FixedTransportChannelProvider.create(GrpcTransportChannel.create(channel)))
            .setCredentialsProvider(NoCredentialsProvider.create())
            .setFlowControlSettings(
                FlowControlSettings.newBuilder()
                    .setMaxOutstandingElementCount(Long.parseLong(args[4]))
                    .build())
            .build();
    subscriber.startAsync().awaitRunning();
    System.out.println("ready");
    done.await();
    subscriber.stopAsync().awaitTerminated();
    channel.shutdownNow();
    System.out.println("done");
  }
}
