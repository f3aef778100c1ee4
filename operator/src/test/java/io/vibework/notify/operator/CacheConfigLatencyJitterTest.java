package io.vibework.notify.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vibework.notify.operator.api.CacheConfig;
import io.vibework.notify.operator.api.Conditions;
import io.vibework.notify.testkit.RedisServer;
import io.vibework.notify.testkit.TcpLatencyProxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis whose PING time jumps between 1 ms and 20 ms from one probe to the next, as on a loaded
 * machine: the CacheConfig's status is written once, when it becomes reachable, and never again
 * while it stays reachable. Every pipeline naming the CacheConfig would wake on each write.
 */
class CacheConfigLatencyJitterTest {

  @RegisterExtension static final RedisServer redis = new RedisServer();

  // Each probe opens its own connection: odd connections answer after 20 ms, even ones after 1 ms.
  @RegisterExtension
  static final TcpLatencyProxy jitteryRedis =
      new TcpLatencyProxy(
          redis::port,
          () ->
              Duration.ofMillis(
                  CacheConfigLatencyJitterTest.jitteryRedis.connections() % 2 == 0 ? 1 : 20));

  @Test
  void aReachableRedisWhoseLatencyJittersCausesNoStatusWrites() throws Exception {
    String ns = "jitter";
    try (OperatorTestBed bed = new OperatorTestBed(ns)) {
      bed.client
          .resource(
              Fixtures.cacheConfig(ns, "shared", "redis://127.0.0.1:" + jitteryRedis.port(), false))
          .create();
      CacheConfig ready =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () ->
                      bed.client
                          .resources(CacheConfig.class)
                          .inNamespace(ns)
                          .withName("shared")
                          .get(),
                  cc ->
                      cc.getStatus() != null
                          && Conditions.isTrue(cc.getStatus().conditions(), Conditions.READY));
      String written = ready.getMetadata().getResourceVersion();

      int probesBefore = jitteryRedis.connections();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> jitteryRedis.connections() >= probesBefore + 10);

      CacheConfig after =
          bed.client.resources(CacheConfig.class).inNamespace(ns).withName("shared").get();
      assertThat(after.getMetadata().getResourceVersion())
          .as("status writes over 10 probes of a Redis alternating 1 ms / 20 ms")
          .isEqualTo(written);
      assertThat(after.getStatus().reachable()).isTrue();
      assertThat(after.getStatus().latencyMillis())
          .as("the latency measured when it became reachable")
          .isEqualTo(ready.getStatus().latencyMillis());
    }
  }
}
