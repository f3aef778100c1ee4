package io.vibework.notify.operator.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A pool of notification workers; the operator turns it into a Deployment and friends. */
@Group(NotificationPipeline.GROUP)
@Version(NotificationPipeline.VERSION)
@ShortNames("np")
// kubectl get vibework lists both kinds.
@Categories("vibework")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status")
@AdditionalPrinterColumn(
    name = "Reason",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason")
@AdditionalPrinterColumn(
    name = "Replicas",
    jsonPath = ".status.replicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready-Replicas",
    jsonPath = ".status.readyReplicas",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
// Owned objects are named "<name>-worker"; a Service name is a DNS-1035 label of at most 63
// characters.
@ValidationRule(
    value =
        "size(self.metadata.name) <= 56 && self.metadata.name.matches('^[a-z]([-a-z0-9]*[a-z0-9])?$')",
    message =
        "metadata.name must start with a letter, use only lower-case letters, digits and '-', and be at most 56 characters (the worker Service is named <name>-worker)")
public class NotificationPipeline
    extends CustomResource<NotificationPipelineSpec, NotificationPipelineStatus>
    implements Namespaced {

  public static final String GROUP = "infra.vibework.io";
  public static final String VERSION = "v1alpha1";

  public NotificationPipeline() {}

  public NotificationPipeline(String namespace, String name, NotificationPipelineSpec spec) {
    getMetadata().setNamespace(namespace);
    getMetadata().setName(name);
    setSpec(spec);
  }
}
