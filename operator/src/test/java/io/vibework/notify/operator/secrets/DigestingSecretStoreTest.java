package io.vibework.notify.operator.secrets;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.vibework.notify.operator.Fixtures;
import io.vibework.notify.operator.bench.SecretMemoryBenchmark;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DigestingSecretStoreTest {

  @Test
  void keepsNoValueOnlyNamesKeysAndDigests() {
    Secret secret =
        new SecretBuilder(Fixtures.mysqlSecret("ns"))
            .editMetadata()
            .withResourceVersion("7")
            .addToAnnotations(
                "kubectl.kubernetes.io/last-applied-configuration",
                "{\"stringData\":{\"password\":\"" + Fixtures.MYSQL_PASSWORD + "\"}}")
            .endMetadata()
            .build();
    DigestingSecretStore store = new DigestingSecretStore();
    store.put(store.getKey(secret), secret);

    Secret kept = store.get("ns/mysql-creds");
    assertThat(kept.getMetadata().getName()).isEqualTo("mysql-creds");
    assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
    assertThat(kept.getMetadata().getAnnotations()).isNullOrEmpty();
    assertThat(kept.getData()).containsOnlyKeys("username", "password");
    assertThat(kept.getData().values()).allSatisfy(v -> assertThat(v).startsWith("sha256:"));
    String text = kept.toString();
    assertThat(text).doesNotContain(Fixtures.MYSQL_PASSWORD, Fixtures.MYSQL_USER);
    assertThat(SecretDigests.digest(kept)).isSameAs(kept);
  }

  @Test
  void digestsFollowValuesAndStringDataMatchesData() {
    Secret data = Fixtures.secret("ns", "s", Map.of("k", "v1"));
    Secret string =
        new SecretBuilder()
            .withNewMetadata()
            .withName("s")
            .withNamespace("ns")
            .endMetadata()
            .addToStringData("k", "v1")
            .build();
    Secret other = Fixtures.secret("ns", "s", Map.of("k", "v2"));
    assertThat(SecretDigests.digest(data).getData())
        .isEqualTo(SecretDigests.digest(string).getData())
        .isNotEqualTo(SecretDigests.digest(other).getData());
  }

  /**
   * Issue 10: the Secret informer cached every Secret. 200 unrelated 100 KiB Secrets (about 27 MiB
   * as the informer would hold them) must cost the operator under 4 MiB of heap after a full GC;
   * {@code make bench-operator-secrets} runs the 1,000-Secret figure.
   */
  @Test
  void unrelatedLargeSecretsCostAlmostNoHeap() throws Exception {
    long growth = SecretMemoryBenchmark.heapGrowth(200, 100);
    assertThat(growth).as("heap growth in bytes").isLessThan(4L * 1024 * 1024);
  }
}
