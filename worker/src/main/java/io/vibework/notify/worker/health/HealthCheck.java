package io.vibework.notify.worker.health;

/** One dependency that {@code /readyz} asks. A check passes by returning, fails by throwing. */
public interface HealthCheck {

  /** The key under {@code checks} in the {@code /readyz} answer, e.g. {@code cache}. */
  String name();

  void check() throws Exception;

  /**
   * False for a check that {@code /readyz} reports but that does not make the worker not ready (say
   * the feedback queue: sending goes on without it).
   */
  default boolean gatesReadiness() {
    return true;
  }

  /** A check shown in {@code /readyz} that never turns it 503. */
  static HealthCheck advisory(String name, CheckBody body) {
    return new HealthCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void check() throws Exception {
        body.run();
      }

      @Override
      public boolean gatesReadiness() {
        return false;
      }
    };
  }

  static HealthCheck of(String name, CheckBody body) {
    return new HealthCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void check() throws Exception {
        body.run();
      }
    };
  }

  @FunctionalInterface
  interface CheckBody {
    void run() throws Exception;
  }
}
