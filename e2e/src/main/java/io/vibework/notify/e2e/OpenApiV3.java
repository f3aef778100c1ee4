package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The OpenAPI v3 documents kube-apiserver publishes for CRDs ({@code /openapi/v3} and {@code
 * /openapi/v3/apis/<group>/<version>}), built from each stored CRD's openAPIV3Schema, so that
 * {@code kubectl explain} works for the custom kinds. Built-in kinds have no document here.
 */
final class OpenApiV3 {

  private final ObjectMapper json;

  OpenApiV3(ObjectMapper json) {
    this.json = json;
  }

  /** The root: one entry per group/version that has a CRD. */
  ObjectNode root(JsonNode crdList) {
    ObjectNode root = json.createObjectNode();
    ObjectNode paths = root.putObject("paths");
    for (JsonNode crd : crdList.path("items")) {
      String group = crd.path("spec").path("group").asText();
      for (JsonNode v : crd.path("spec").path("versions")) {
        String gv = "apis/" + group + "/" + v.path("name").asText();
        paths.putObject(gv).put("serverRelativeURL", "/openapi/v3/" + gv);
      }
    }
    return root;
  }

  /** One group/version's document, or empty when no CRD serves it. */
  Optional<ObjectNode> document(JsonNode crdList, String group, String version) {
    ObjectNode doc = json.createObjectNode();
    doc.put("openapi", "3.0.0");
    doc.putObject("info").put("title", "Kubernetes").put("version", "v1.32.0-local");
    ObjectNode paths = doc.putObject("paths");
    ObjectNode schemas = doc.putObject("components").putObject("schemas");
    boolean any = false;
    for (JsonNode crd : crdList.path("items")) {
      JsonNode spec = crd.path("spec");
      if (!spec.path("group").asText().equals(group)) {
        continue;
      }
      for (JsonNode v : spec.path("versions")) {
        if (!v.path("name").asText().equals(version)) {
          continue;
        }
        String kind = spec.path("names").path("kind").asText();
        ObjectNode schema = v.path("schema").path("openAPIV3Schema").deepCopy();
        ObjectNode properties =
            schema.has("properties")
                ? (ObjectNode) schema.get("properties")
                : schema.putObject("properties");
        properties
            .putObject("apiVersion")
            .put("type", "string")
            .put(
                "description",
                "APIVersion defines the versioned schema of this representation of an object.");
        properties
            .putObject("kind")
            .put("type", "string")
            .put(
                "description",
                "Kind is a string value representing the REST resource this object represents.");
        properties
            .putObject("metadata")
            .put("type", "object")
            .put("description", "Standard object's metadata.");
        if (!schema.has("type")) {
          schema.put("type", "object");
        }
        ArrayNode gvk = schema.putArray("x-kubernetes-group-version-kind");
        gvk.addObject().put("group", group).put("version", version).put("kind", kind);
        String name = reverse(group) + "." + version + "." + kind;
        schemas.set(name, schema);
        // kubectl explain maps the resource to its kind through the operations' GVK.
        String plural = spec.path("names").path("plural").asText();
        String base = "/apis/" + group + "/" + version + "/";
        List<String> resourcePaths =
            "Cluster".equals(spec.path("scope").asText())
                ? List.of(base + plural, base + plural + "/{name}")
                : List.of(
                    base + plural,
                    base + "namespaces/{namespace}/" + plural,
                    base + "namespaces/{namespace}/" + plural + "/{name}");
        for (String path : resourcePaths) {
          ObjectNode get = paths.putObject(path).putObject("get");
          get.putObject("x-kubernetes-group-version-kind")
              .put("group", group)
              .put("version", version)
              .put("kind", kind);
          get.putObject("responses")
              .putObject("200")
              .putObject("content")
              .putObject("application/json")
              .putObject("schema")
              .put("$ref", "#/components/schemas/" + name);
        }
        any = true;
      }
    }
    return any ? Optional.of(doc) : Optional.empty();
  }

  /** infra.vibework.io -> io.vibework.infra, as kube-apiserver names CRD schemas. */
  private static String reverse(String group) {
    String[] parts = group.split("\\.");
    StringBuilder out = new StringBuilder();
    for (int i = parts.length - 1; i >= 0; i--) {
      out.append(parts[i]);
      if (i > 0) {
        out.append('.');
      }
    }
    return out.toString();
  }
}
