package io.vibework.notify.operator;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.function.Supplier;

/**
 * A test's read-modify-write of a resource the running operator also writes (its status): a 409
 * means the operator won the race; read again and retry, as kubectl edit would.
 */
public final class Conflicts {

  private Conflicts() {}

  public static <T> T retry(Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt >= 10) {
          throw e;
        }
      }
    }
  }
}
