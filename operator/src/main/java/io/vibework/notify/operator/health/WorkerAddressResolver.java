package io.vibework.notify.operator.health;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.vibework.notify.operator.dependent.WorkerObjects;
import java.net.URI;
import java.util.stream.Stream;

/**
 * Where one worker pod answers /readyz. Pods are probed one by one, not through the Service: a pod
 * whose /readyz fails may leave the Service's endpoints, and its answer is exactly what the status
 * must show.
 */
@FunctionalInterface
public interface WorkerAddressResolver {

  URI readyzUri(Pod pod);

  /** The pod's IP and its container port named {@code http} (8080 when none is named). */
  static WorkerAddressResolver podIp() {
    return pod -> {
      int port =
          pod.getSpec() == null
              ? WorkerObjects.HTTP_PORT
              : pod.getSpec().getContainers().stream()
                  .flatMap(c -> c.getPorts() == null ? Stream.empty() : c.getPorts().stream())
                  .filter(p -> WorkerObjects.HTTP_PORT_NAME.equals(p.getName()))
                  .map(ContainerPort::getContainerPort)
                  .findFirst()
                  .orElse(WorkerObjects.HTTP_PORT);
      String ip = pod.getStatus().getPodIP();
      String host = ip.contains(":") ? "[" + ip + "]" : ip;
      return URI.create("http://" + host + ":" + port + "/readyz");
    };
  }
}
