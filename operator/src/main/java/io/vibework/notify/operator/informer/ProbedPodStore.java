package io.vibework.notify.operator.informer;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import java.util.List;

/**
 * The worker pods' cache keeps only what the prober and the pod event filter read: name, labels,
 * resource version, deletion, the containers' ports, phase, IP and the Ready condition. A full pod
 * (spec, status, container statuses) was the largest object per pipeline in the operator's heap,
 * two per pipeline.
 */
public final class ProbedPodStore extends TransformingStore<Pod> {

  @Override
  protected Pod onArrival(Pod pod) {
    var meta = pod.getMetadata();
    PodBuilder kept =
        new PodBuilder()
            .withNewMetadata()
            .withName(meta.getName())
            .withNamespace(meta.getNamespace())
            .withUid(meta.getUid())
            .withResourceVersion(meta.getResourceVersion())
            .withLabels(meta.getLabels())
            .withDeletionTimestamp(meta.getDeletionTimestamp())
            .endMetadata();
    if (pod.getSpec() != null) {
      kept.withNewSpec().withContainers(ports(pod.getSpec().getContainers())).endSpec();
    }
    if (pod.getStatus() != null) {
      kept.withNewStatus()
          .withPhase(pod.getStatus().getPhase())
          .withPodIP(pod.getStatus().getPodIP())
          .withConditions(ready(pod.getStatus().getConditions()))
          .endStatus();
    }
    return kept.build();
  }

  private static List<Container> ports(List<Container> containers) {
    return containers == null
        ? List.of()
        : containers.stream()
            .map(
                c ->
                    new ContainerBuilder()
                        .withName(c.getName())
                        .withPorts(
                            c.getPorts() == null
                                ? List.of()
                                : c.getPorts().stream()
                                    .map(
                                        p ->
                                            new ContainerPortBuilder()
                                                .withName(p.getName())
                                                .withContainerPort(p.getContainerPort())
                                                .build())
                                    .toList())
                        .build())
            .toList();
  }

  private static List<PodCondition> ready(List<PodCondition> conditions) {
    return conditions == null
        ? List.of()
        : conditions.stream()
            .filter(c -> "Ready".equals(c.getType()))
            .map(
                c ->
                    new PodConditionBuilder()
                        .withType(c.getType())
                        .withStatus(c.getStatus())
                        .build())
            .toList();
  }
}
