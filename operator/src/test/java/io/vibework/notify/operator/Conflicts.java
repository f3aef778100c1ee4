package io.vibework.notify.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.api.NotificationPipelineSpec;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

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

  /** A spec edit of a pipeline, retried when the operator's status write raced it. */
  public static NotificationPipeline editSpec(
      KubernetesClient client,
      String namespace,
      String name,
      UnaryOperator<NotificationPipelineSpec> change) {
    return retry(
        () ->
            client
                .resources(NotificationPipeline.class)
                .inNamespace(namespace)
                .withName(name)
                .edit(
                    p -> {
                      p.setSpec(change.apply(p.getSpec()));
                      return p;
                    }));
  }
}
