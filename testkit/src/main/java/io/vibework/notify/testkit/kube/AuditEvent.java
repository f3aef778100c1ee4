package io.vibework.notify.testkit.kube;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * One request as kube-apiserver's audit log recorded it (stage ResponseComplete).
 *
 * @param subresource empty for the object itself, e.g. {@code status}, {@code scale}
 * @param userAgent the client's User-Agent, e.g. {@code kube-controller-manager/v1.37.2 (...)/
 *     endpoints-controller}: which controller of a shared identity made the request
 */
public record AuditEvent(
    String user,
    String verb,
    String resource,
    String subresource,
    String namespace,
    String name,
    int code,
    String uri,
    String userAgent) {

  private static final Set<String> WRITE_VERBS =
      Set.of("create", "update", "patch", "delete", "deletecollection");

  static AuditEvent of(JsonNode event) {
    JsonNode ref = event.path("objectRef");
    return new AuditEvent(
        event.path("user").path("username").asText(),
        event.path("verb").asText(),
        ref.path("resource").asText(),
        ref.path("subresource").asText(),
        ref.path("namespace").asText(),
        ref.path("name").asText(),
        event.path("responseStatus").path("code").asInt(),
        event.path("requestURI").asText(),
        event.path("userAgent").asText());
  }

  public boolean isWrite() {
    return WRITE_VERBS.contains(verb);
  }

  public boolean forbidden() {
    return code == 403;
  }

  @Override
  public String toString() {
    return user + " " + verb + " " + uri + " -> " + code;
  }
}
