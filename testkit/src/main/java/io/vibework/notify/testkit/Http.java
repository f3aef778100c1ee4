package io.vibework.notify.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** JSON over HTTP/1.1 for the emulators' REST APIs. */
final class Http {

  static final ObjectMapper JSON = new ObjectMapper();

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private Http() {}

  record Response(int status, String body) {
    boolean ok() {
      return status / 100 == 2;
    }

    JsonNode json() {
      try {
        return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("not JSON: " + body, e);
      }
    }
  }

  static Response send(String method, URI uri, Object jsonBody) {
    HttpRequest.BodyPublisher publisher;
    if (jsonBody == null) {
      publisher = HttpRequest.BodyPublishers.noBody();
    } else {
      try {
        publisher =
            HttpRequest.BodyPublishers.ofString(
                jsonBody instanceof String s ? s : JSON.writeValueAsString(jsonBody));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(e);
      }
    }
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .method(method, publisher)
            .build();
    try {
      HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + uri + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + method + " " + uri, e);
    }
  }

  /** Sends and fails with status and body unless the answer is 2xx. */
  static JsonNode call(String method, URI uri, Object jsonBody) {
    Response response = send(method, uri, jsonBody);
    if (!response.ok()) {
      throw new IllegalStateException(
          method + " " + uri + " -> " + response.status() + ": " + response.body());
    }
    return response.json();
  }
}
