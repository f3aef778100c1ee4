package io.vibework.notify.operator.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CacheConfigReconcilerTest {

  @Test
  void latencyIsRewrittenOnlyForRealMoves() {
    assertThat(CacheConfigReconciler.movedEnough(0, 1)).isFalse();
    assertThat(CacheConfigReconciler.movedEnough(1, 5)).isFalse();
    assertThat(CacheConfigReconciler.movedEnough(2, 9)).isTrue();
    assertThat(CacheConfigReconciler.movedEnough(40, 70)).isFalse();
    assertThat(CacheConfigReconciler.movedEnough(40, 90)).isTrue();
    assertThat(CacheConfigReconciler.movedEnough(90, 30)).isTrue();
  }
}
