package io.vibework.notify.operator.health;

import io.vibework.notify.operator.api.NotificationPipeline;
import io.vibework.notify.operator.dependent.WorkerObjects;
import java.net.URI;

/**
 * Where a pipeline's workers answer /readyz; replaceable so tests can point at a loopback worker.
 */
@FunctionalInterface
public interface WorkerAddressResolver {

  URI readyzUri(NotificationPipeline pipeline);

  /** Through the worker Service's cluster DNS name, so any ready pod answers. */
  static WorkerAddressResolver clusterDns() {
    return p ->
        URI.create(
            "http://"
                + WorkerObjects.name(p)
                + "."
                + p.getMetadata().getNamespace()
                + ".svc:"
                + WorkerObjects.HTTP_PORT
                + "/readyz");
  }
}
