package io.vibework.notify.worker.health;

/** One dependency that {@code /readyz} asks. A check passes by returning, fails by throwing. */
public interface HealthCheck {

  /** The key under {@code checks} in the {@code /readyz} answer, e.g. {@code cache}. */
  String name();

  void check() throws Exception;

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
