package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * fabric8's CRUD dispatcher plus what kubectl needs from a real API server: legacy discovery
 * ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/<group>[/<version>]}) that includes
 * applied CRDs, {@code /version}, Tables for {@code kubectl get}, and {@code Status} bodies on
 * errors. Everything else (reads, writes, watches) goes to the CRUD store unchanged.
 */
final class LocalApiDispatcher extends Dispatcher {

  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
  private static final String CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private final KubernetesCrudDispatcher crud;
  private final ObjectMapper json = new ObjectMapper();
  private final Tables tables;
  private final ScaleSubresource scale;
  private final OpenApiV3 openApi;
  private volatile String serverAddress = "127.0.0.1:0";
  private final Queue<String> writes = new ConcurrentLinkedQueue<>();

  LocalApiDispatcher(KubernetesCrudDispatcher crud, Clock clock) {
    this.crud = crud;
    this.tables = new Tables(json, clock);
    this.scale = new ScaleSubresource(crud, json);
    this.openApi = new OpenApiV3(json);
  }

  /** Writes served since the last call, as "METHOD path". */
  List<String> drainWrites() {
    List<String> out = new ArrayList<>();
    for (String w; (w = writes.poll()) != null; ) {
      out.add(w);
    }
    return out;
  }

  void serverAddress(String hostPort) {
    this.serverAddress = hostPort;
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String full = request.getPath();
    int q = full.indexOf('?');
    String path = q < 0 ? full : full.substring(0, q);
    String query = q < 0 ? "" : full.substring(q + 1);
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      if (path.endsWith("/scale")) {
        Optional<MockResponse> scaled = scale.handle(request, path);
        if (scaled.isPresent()) {
          return scaled.get();
        }
      }
      if ("GET".equals(request.getMethod())) {
        Optional<MockResponse> special = discovery(path);
        if (special.isPresent()) {
          return special.get();
        }
        String accept = request.getHeader("Accept");
        if (accept != null
            && accept.contains("as=Table")
            && !query.contains("watch=true")
            && !query.contains("watch=1")) {
          Optional<MockResponse> table = table(path, full, query);
          if (table.isPresent()) {
            return table.get();
          }
        }
      }
      if ("PATCH".equals(request.getMethod())) {
        Optional<RecordedRequest> merge = strategicAsMerge(request);
        if (merge.isEmpty()) {
          return status(
              415,
              "UnsupportedMediaType",
              "the local API supports strategic merge patches without lists only"
                  + " (they are applied as JSON merge patches); use kubectl replace, or kubectl patch --type=merge");
        }
        request = merge.get();
      }
      if (("POST".equals(request.getMethod())
              || "PUT".equals(request.getMethod())
              || "PATCH".equals(request.getMethod()))
          && isSecretPath(path)) {
        request = secretStringData(request);
      }
      if (isDeploymentPath(path)
          && ("POST".equals(request.getMethod()) || "PUT".equals(request.getMethod()))) {
        request = canonicalQuantities(request);
      }
      if (!"GET".equals(request.getMethod())) {
        writes.add(request.getMethod() + " " + path);
      }
      MockResponse response = crud.dispatch(request);
      if (isDeploymentPath(path) && "PATCH".equals(request.getMethod())) {
        response = canonicalAfterPatch(request, response);
      }
      return withStatus(response, request.getMethod(), path);
    } catch (RuntimeException e) {
      return status(
          500,
          "InternalError",
          "local API: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  // ---- deployments: quantities stored canonically, as kube-apiserver does -------------------

  private static boolean isDeploymentPath(String path) {
    String[] parts = path.substring(1).split("/");
    return parts.length >= 6
        && parts.length <= 7
        && parts[0].equals("apis")
        && parts[1].equals("apps")
        && parts[3].equals("namespaces")
        && parts[5].equals("deployments");
  }

  private RecordedRequest canonicalQuantities(RecordedRequest request) {
    JsonNode body;
    try {
      body = json.readTree(request.getBody().getBytes());
    } catch (IOException | RuntimeException e) {
      return request;
    }
    if (!KubeQuantities.canonicalizeDeployment(body)) {
      return request;
    }
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        request.getPath(),
        request.getHeaders(),
        new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
  }

  /** A patch may bring any quantity in: store the canonical object, as a real server would. */
  private MockResponse canonicalAfterPatch(RecordedRequest patch, MockResponse response) {
    if (response.code() >= 300 || response.getBody() == null) {
      return response;
    }
    try {
      JsonNode stored = json.readTree(response.getBody().getBytes());
      if (!KubeQuantities.canonicalizeDeployment(stored)) {
        return response;
      }
      String path = patch.getPath();
      int q = path.indexOf('?');
      return crud.dispatch(
          new RecordedRequest(
              patch.getHttpVersion(),
              HttpMethod.PUT,
              q < 0 ? path : path.substring(0, q),
              patch.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
              new Buffer(stored.toString().getBytes(StandardCharsets.UTF_8))));
    } catch (IOException | RuntimeException e) {
      return response;
    }
  }

  // ---- secrets: stringData is write-only, merged into data (base64) as the API server does ----

  private static boolean isSecretPath(String path) {
    String[] parts = path.substring(1).split("/");
    return parts.length >= 5
        && parts[0].equals("api")
        && parts[2].equals("namespaces")
        && parts[4].equals("secrets");
  }

  private RecordedRequest secretStringData(RecordedRequest request) {
    JsonNode body;
    try {
      body = json.readTree(request.getBody().getBytes());
    } catch (IOException | RuntimeException e) {
      return request;
    }
    if (!(body instanceof ObjectNode secret) || !secret.path("stringData").isObject()) {
      return request;
    }
    ObjectNode data =
        secret.path("data").isObject() ? (ObjectNode) secret.get("data") : secret.putObject("data");
    secret
        .get("stringData")
        .properties()
        .forEach(
            e ->
                data.put(
                    e.getKey(),
                    Base64.getEncoder()
                        .encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
    secret.remove("stringData");
    byte[] bytes = secret.toString().getBytes(StandardCharsets.UTF_8);
    return new RecordedRequest(
        request.getHttpVersion(),
        request.method(),
        request.getPath(),
        request.getHeaders(),
        new Buffer(bytes));
  }

  // ---- kubectl apply's strategic merge patch ----------------------------------------------

  /**
   * The CRUD store knows JSON patch and JSON merge patch. A strategic merge patch without lists and
   * without {@code $} directives means the same as a merge patch: pass it on as one. With a list,
   * merge keys matter: refuse (empty).
   */
  private Optional<RecordedRequest> strategicAsMerge(RecordedRequest request) {
    String type = request.getHeader("Content-Type");
    if (type == null || !type.startsWith("application/strategic-merge-patch+json")) {
      return Optional.of(request);
    }
    JsonNode patch;
    try {
      patch = json.readTree(request.getBody().getBytes());
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    if (!mergeable(patch)) {
      return Optional.empty();
    }
    Headers headers =
        request
            .getHeaders()
            .newBuilder()
            .set("Content-Type", "application/merge-patch+json")
            .build();
    return Optional.of(
        new RecordedRequest(
            request.getHttpVersion(),
            request.method(),
            request.getPath(),
            headers,
            request.getBody()));
  }

  private static boolean mergeable(JsonNode node) {
    if (node.isArray()) {
      return false;
    }
    if (node.isObject()) {
      for (var e : node.properties()) {
        if (e.getKey().startsWith("$") || !mergeable(e.getValue())) {
          return false;
        }
      }
    }
    return true;
  }

  // ---- discovery -------------------------------------------------------------------------

  private Optional<MockResponse> discovery(String path) {
    if (path.equals("/") || path.isEmpty()) {
      ObjectNode root = json.createObjectNode();
      ArrayNode paths = root.putArray("paths");
      List.of("/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version")
          .forEach(paths::add);
      ApiResources.groups(resources())
          .forEach(
              (g, versions) -> {
                paths.add("/apis/" + g);
                versions.forEach(v -> paths.add("/apis/" + g + "/" + v));
              });
      return Optional.of(ok(root));
    }
    if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")) {
      return Optional.of(
          new MockResponse()
              .setResponseCode(200)
              .setHeader("Content-Type", "text/plain")
              .setBody("ok"));
    }
    if (path.equals("/version")) {
      ObjectNode v = json.createObjectNode();
      v.put("major", "1")
          .put("minor", "32")
          .put("gitVersion", "v1.32.0-local")
          .put("gitCommit", "local")
          .put("gitTreeState", "clean")
          .put("buildDate", "2025-01-01T00:00:00Z")
          .put("goVersion", "go1.23")
          .put("compiler", "gc")
          .put("platform", "linux/amd64");
      return Optional.of(ok(v));
    }
    if (path.equals("/openapi/v3")) {
      return Optional.of(ok(openApi.root(read(crud.handleGet(CRDS)))));
    }
    if (path.startsWith("/openapi/v3/apis/")) {
      String[] gv = path.substring("/openapi/v3/apis/".length()).split("/");
      if (gv.length == 2) {
        Optional<ObjectNode> doc = openApi.document(read(crud.handleGet(CRDS)), gv[0], gv[1]);
        if (doc.isPresent()) {
          return Optional.of(ok(doc.get()));
        }
      }
    }
    if (path.startsWith("/openapi")) {
      return Optional.of(
          status(
              404,
              "NotFound",
              "the local API serves OpenAPI v3 for CRDs only: use kubectl --validate=false"));
    }
    if (path.equals("/api")) {
      ObjectNode v = json.createObjectNode();
      v.put("kind", "APIVersions");
      v.putArray("versions").add("v1");
      v.putArray("serverAddressByClientCIDRs")
          .addObject()
          .put("clientCIDR", "0.0.0.0/0")
          .put("serverAddress", serverAddress);
      return Optional.of(ok(v));
    }
    if (path.equals("/api/v1")) {
      return Optional.of(ok(resourceList("", "v1")));
    }
    if (path.equals("/apis")) {
      ObjectNode list = json.createObjectNode();
      list.put("kind", "APIGroupList");
      list.put("apiVersion", "v1");
      ArrayNode groups = list.putArray("groups");
      ApiResources.groups(resources()).forEach((g, versions) -> groups.add(group(g, versions)));
      return Optional.of(ok(list));
    }
    String[] parts = path.substring(1).split("/");
    if (parts[0].equals("apis") && (parts.length == 2 || parts.length == 3)) {
      List<String> versions = ApiResources.groups(resources()).get(parts[1]);
      if (versions == null || (parts.length == 3 && !versions.contains(parts[2]))) {
        return Optional.of(
            status(404, "NotFound", "the server could not find the requested resource"));
      }
      return Optional.of(
          ok(parts.length == 2 ? group(parts[1], versions) : resourceList(parts[1], parts[2])));
    }
    return Optional.empty();
  }

  private ObjectNode group(String name, List<String> versions) {
    ObjectNode g = json.createObjectNode();
    g.put("kind", "APIGroup");
    g.put("apiVersion", "v1");
    g.put("name", name);
    ArrayNode vs = g.putArray("versions");
    versions.forEach(v -> vs.addObject().put("groupVersion", name + "/" + v).put("version", v));
    g.putObject("preferredVersion")
        .put("groupVersion", name + "/" + versions.get(0))
        .put("version", versions.get(0));
    return g;
  }

  private ObjectNode resourceList(String group, String version) {
    ObjectNode list = json.createObjectNode();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
    ArrayNode items = list.putArray("resources");
    for (ApiResources.Resource r : resources()) {
      if (!r.group().equals(group) || !r.version().equals(version)) {
        continue;
      }
      ObjectNode item = items.addObject();
      item.put("name", r.plural())
          .put("singularName", r.singular())
          .put("namespaced", r.namespaced())
          .put("kind", r.kind());
      VERBS.forEach(item.putArray("verbs")::add);
      if (!r.shortNames().isEmpty()) {
        r.shortNames().forEach(item.putArray("shortNames")::add);
      }
      if (!r.categories().isEmpty()) {
        r.categories().forEach(item.putArray("categories")::add);
      }
      if (r.statusSubresource()) {
        ObjectNode status = items.addObject();
        status
            .put("name", r.plural() + "/status")
            .put("singularName", "")
            .put("namespaced", r.namespaced())
            .put("kind", r.kind());
        List.of("get", "patch", "update").forEach(status.putArray("verbs")::add);
      }
      if (r.scaleSubresource()) {
        // client-go's scale client finds the Scale kind here (kubectl scale, the HPA).
        ObjectNode scale = items.addObject();
        scale
            .put("name", r.plural() + "/scale")
            .put("singularName", "")
            .put("namespaced", r.namespaced())
            .put("group", "autoscaling")
            .put("version", "v1")
            .put("kind", "Scale");
        List.of("get", "patch", "update").forEach(scale.putArray("verbs")::add);
      }
    }
    return list;
  }

  private List<ApiResources.Resource> resources() {
    return ApiResources.all(read(crud.handleGet(CRDS)));
  }

  // ---- tables ----------------------------------------------------------------------------

  private Optional<MockResponse> table(String path, String full, String query) {
    String[] parts = path.substring(1).split("/");
    String group;
    String version;
    int rest;
    if (parts.length >= 3 && parts[0].equals("api")) {
      group = "";
      version = parts[1];
      rest = 2;
    } else if (parts.length >= 4 && parts[0].equals("apis")) {
      group = parts[1];
      version = parts[2];
      rest = 3;
    } else {
      return Optional.empty();
    }
    String[] tail = Arrays.copyOfRange(parts, rest, parts.length);
    String plural;
    if (tail.length >= 3 && tail[0].equals("namespaces")) {
      plural = tail[2];
      if (tail.length > 4) {
        return Optional.empty(); // a subresource
      }
    } else {
      plural = tail[0];
      if (tail.length > 2) {
        return Optional.empty();
      }
    }
    Optional<ApiResources.Resource> resource =
        resources().stream()
            .filter(
                r ->
                    r.group().equals(group)
                        && r.version().equals(version)
                        && r.plural().equals(plural))
            .findFirst();
    if (resource.isEmpty()) {
      return Optional.empty();
    }
    MockResponse stored = crud.handleGet(full);
    if (stored.code() != 200) {
      return Optional.of(withStatus(stored, "GET", path));
    }
    JsonNode body = read(stored);
    if (!body.isObject()) {
      return Optional.empty();
    }
    return Optional.of(ok(tables.render(resource.get(), body, param(query, "includeObject"))));
  }

  private static String param(String query, String name) {
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && pair.substring(0, eq).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ---- responses -------------------------------------------------------------------------

  private JsonNode read(MockResponse response) {
    if (response.getBody() == null) {
      return json.createObjectNode();
    }
    byte[] bytes = response.getBody().getBytes();
    if (bytes.length == 0) {
      return json.createObjectNode();
    }
    try {
      return json.readTree(bytes);
    } catch (IOException e) {
      return json.createObjectNode();
    }
  }

  private MockResponse ok(JsonNode body) {
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "application/json")
        .setBody(body.toString());
  }

  /** kubectl and client-go read {@code reason} and {@code message} from a Status body. */
  private MockResponse withStatus(MockResponse response, String method, String path) {
    int code = response.code();
    if (code < 400 || (response.getBody() != null && response.getBody().size() > 0)) {
      return response;
    }
    String[] parts = path.substring(1).split("/");
    String name = parts.length > 0 ? parts[parts.length - 1] : "";
    String reason =
        switch (code) {
          case 404 -> "NotFound";
          case 409 -> "Conflict";
          case 415 -> "UnsupportedMediaType";
          case 422 -> "Invalid";
          default -> "Unknown";
        };
    String message =
        code == 404
            ? resourceName(parts) + " \"" + name + "\" not found"
            : method + " " + path + " failed with HTTP " + code;
    return status(code, reason, message);
  }

  /**
   * {@code notificationpipelines.infra.vibework.io} or {@code secrets}, as the API server names
   * them.
   */
  private static String resourceName(String[] parts) {
    boolean core = parts.length > 0 && parts[0].equals("api");
    int rest = core ? 2 : 3;
    if (parts.length <= rest) {
      return "resource";
    }
    int at = parts.length > rest + 2 && parts[rest].equals("namespaces") ? rest + 2 : rest;
    String plural = parts[Math.min(at, parts.length - 1)];
    return core ? plural : plural + "." + parts[1];
  }

  private MockResponse status(int code, String reason, String message) {
    ObjectNode s = json.createObjectNode();
    s.put("kind", "Status")
        .put("apiVersion", "v1")
        .put("status", "Failure")
        .put("message", message)
        .put("reason", reason)
        .put("code", code);
    s.putObject("metadata");
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(s.toString());
  }
}
