package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The {@code /scale} subresource of custom resources, as kube-apiserver serves it from a CRD's
 * {@code subresources.scale}: GET answers an autoscaling/v1 Scale read from the object at
 * specReplicasPath, statusReplicasPath and labelSelectorPath; PUT and PATCH (what {@code kubectl
 * scale} and an HPA send) write only spec.replicas of the object.
 */
final class ScaleSubresource {

  private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json;

  ScaleSubresource(KubernetesCrudDispatcher crud, ObjectMapper json) {
    this.crud = crud;
    this.json = json;
  }

  /** {@code path} without query; empty when it is not a custom resource's /scale. */
  Optional<MockResponse> handle(RecordedRequest request, String path) {
    String[] p = path.substring(1).split("/");
    // apis/<group>/<version>/namespaces/<ns>/<plural>/<name>/scale
    if (p.length != 8
        || !p[0].equals("apis")
        || !p[3].equals("namespaces")
        || !p[7].equals("scale")) {
      return Optional.empty();
    }
    Optional<JsonNode> scale = scaleSpec(p[1], p[2], p[5]);
    if (scale.isEmpty()) {
      return Optional.empty();
    }
    String object = path.substring(0, path.length() - "/scale".length());
    String specPath = scale.get().path("specReplicasPath").asText(".spec.replicas");
    switch (request.getMethod()) {
      case "GET" -> {
        return Optional.of(read(object, scale.get()));
      }
      case "PUT", "PATCH" -> {
        JsonNode body;
        try {
          body = json.readTree(request.getBody().getBytes());
        } catch (IOException e) {
          return Optional.of(error(400, "BadRequest", "the body is not JSON"));
        }
        JsonNode replicas = body.path("spec").path("replicas");
        if (!replicas.isIntegralNumber()) {
          return Optional.of(error(422, "Invalid", "spec.replicas must be an integer"));
        }
        ObjectNode patch = json.createObjectNode();
        ObjectNode at = patch;
        String[] fields = specPath.substring(1).split("\\.");
        for (int i = 0; i < fields.length - 1; i++) {
          at = at.putObject(fields[i]);
        }
        at.put(fields[fields.length - 1], replicas.asInt());
        MockResponse written =
            crud.dispatch(
                new RecordedRequest(
                    request.getHttpVersion(),
                    HttpMethod.PATCH,
                    object,
                    request
                        .getHeaders()
                        .newBuilder()
                        .set("Content-Type", "application/merge-patch+json")
                        .build(),
                    new Buffer(patch.toString().getBytes(StandardCharsets.UTF_8))));
        if (written.code() >= 300) {
          return Optional.of(written);
        }
        return Optional.of(read(object, scale.get()));
      }
      default -> {
        return Optional.of(error(405, "MethodNotAllowed", "scale supports get, update, patch"));
      }
    }
  }

  private MockResponse read(String objectPath, JsonNode scale) {
    MockResponse stored = crud.handleGet(objectPath);
    if (stored.code() != 200) {
      return stored;
    }
    JsonNode object;
    try {
      object = json.readTree(stored.getBody().getBytes());
    } catch (IOException e) {
      return error(500, "InternalError", "stored object is not JSON");
    }
    ObjectNode s = json.createObjectNode();
    s.put("kind", "Scale").put("apiVersion", "autoscaling/v1");
    ObjectNode meta = s.putObject("metadata");
    for (String f :
        new String[] {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
      if (object.path("metadata").has(f)) {
        meta.set(f, object.path("metadata").get(f));
      }
    }
    s.putObject("spec")
        .put(
            "replicas",
            at(object, scale.path("specReplicasPath").asText(".spec.replicas")).asInt(0));
    ObjectNode status = s.putObject("status");
    status.put(
        "replicas",
        at(object, scale.path("statusReplicasPath").asText(".status.replicas")).asInt(0));
    if (scale.has("labelSelectorPath")) {
      JsonNode selector = at(object, scale.path("labelSelectorPath").asText());
      if (selector.isTextual()) {
        status.put("selector", selector.asText());
      }
    }
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(s.toString());
  }

  private static JsonNode at(JsonNode object, String dotted) {
    JsonNode n = object;
    for (String f : dotted.substring(1).split("\\.")) {
      n = n.path(f);
    }
    return n;
  }

  private Optional<JsonNode> scaleSpec(String group, String version, String plural) {
    MockResponse crds = crud.handleGet(CRDS);
    JsonNode list;
    try {
      list = json.readTree(crds.getBody().getBytes());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    for (JsonNode crd : list.path("items")) {
      JsonNode spec = crd.path("spec");
      if (!spec.path("group").asText().equals(group)
          || !spec.path("names").path("plural").asText().equals(plural)) {
        continue;
      }
      for (JsonNode v : spec.path("versions")) {
        if (v.path("name").asText().equals(version) && v.path("subresources").has("scale")) {
          return Optional.of(v.path("subresources").path("scale"));
        }
      }
    }
    return Optional.empty();
  }

  private MockResponse error(int code, String reason, String message) {
    ObjectNode s = json.createObjectNode();
    s.put("kind", "Status")
        .put("apiVersion", "v1")
        .put("status", "Failure")
        .put("message", message)
        .put("reason", reason)
        .put("code", code);
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(s.toString());
  }
}
