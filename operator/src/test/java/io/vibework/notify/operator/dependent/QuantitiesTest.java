package io.vibework.notify.operator.dependent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantitiesTest {

  /** Left: what a user writes; right: what kube-apiserver stores and returns. */
  @ParameterizedTest
  @CsvSource({
    "1024Mi, 1Gi",
    "0.5, 500m",
    "1000m, 1",
    "2000m, 2",
    "100m, 100m",
    "1, 1",
    "1000, 1k",
    "1500, 1500",
    "1.5, 1500m",
    "0.1, 100m",
    "1536Mi, 1536Mi",
    "1000Mi, 1000Mi",
    "0.5Gi, 512Mi",
    "2048Ki, 2Mi",
    "512Ki, 512Ki",
    "0.5Ki, 512",
    "1e3, 1e3",
    "1000e3, 1e6",
    "128974848, 128974848",
    "129M, 129M",
    "1G, 1G",
    "0, 0",
    "0Mi, 0",
    "0.0001, 100u",
    "256Mi, 256Mi",
  })
  void canonicalFormMatchesTheApiServer(String written, String stored) {
    assertThat(Quantities.canonical(written)).isEqualTo(stored);
  }
}
