package io.vibework.notify.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KubeQuantitiesTest {

  /** Left: what a client writes; right: what kube-apiserver stores. */
  @ParameterizedTest
  @CsvSource({
    "1024Mi, 1Gi",
    "0.5, 500m",
    "1000m, 1",
    "1000, 1k",
    "1.5, 1500m",
    "1536Mi, 1536Mi",
    "0.5Gi, 512Mi",
    "0.5Ki, 512",
    "1e3, 1e3",
    "0, 0",
    "100m, 100m",
    "256Mi, 256Mi",
  })
  void storesQuantitiesAsTheApiServerDoes(String written, String stored) {
    assertThat(KubeQuantities.canonical(written)).isEqualTo(stored);
  }
}
