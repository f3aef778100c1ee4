package io.vibework.notify.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JsonPathTest {

  static final JsonNode DOC =
      read(
          """
            {"metadata":{"name":"a","creationTimestamp":"2030-01-01T00:00:00Z"},
             "spec":{"replicas":2,"ports":[{"port":80},{"port":8080}]},
             "status":{"conditions":[{"type":"Progressing","status":"False"},{"type":"Ready","status":"True","reason":"WorkersReady"}]}}""");

  @Test
  void simplePathsIndexesAndFilters() {
    assertThat(JsonPath.evaluate(DOC, ".spec.replicas"))
        .extracting(JsonNode::asInt)
        .containsExactly(2);
    assertThat(JsonPath.evaluate(DOC, ".spec.ports[1].port"))
        .extracting(JsonNode::asInt)
        .containsExactly(8080);
    assertThat(JsonPath.evaluate(DOC, ".spec.ports[*].port"))
        .extracting(JsonNode::asInt)
        .containsExactly(80, 8080);
    assertThat(JsonPath.evaluate(DOC, ".status.conditions[?(@.type==\"Ready\")].status"))
        .extracting(JsonNode::asText)
        .containsExactly("True");
    assertThat(JsonPath.evaluate(DOC, ".status.conditions[?(@.type=='Ready')].reason"))
        .extracting(JsonNode::asText)
        .containsExactly("WorkersReady");
    assertThat(JsonPath.evaluate(DOC, ".status.conditions[?(@.type!=\"Ready\")].type"))
        .extracting(JsonNode::asText)
        .containsExactly("Progressing");
    assertThat(JsonPath.evaluate(DOC, "{.metadata.name}"))
        .extracting(JsonNode::asText)
        .containsExactly("a");
    assertThat(JsonPath.evaluate(DOC, ".status.readyReplicas")).isEmpty();
    assertThat(JsonPath.evaluate(DOC, ".status.conditions[?(@.type==\"Degraded\")].status"))
        .isEmpty();
  }

  @Test
  void agesAsTheApiServerPrintsThem() {
    assertThat(Tables.humanDuration(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(119))).isEqualTo("119s");
    assertThat(Tables.humanDuration(Duration.ofSeconds(150))).isEqualTo("2m30s");
    assertThat(Tables.humanDuration(Duration.ofMinutes(42))).isEqualTo("42m");
    assertThat(Tables.humanDuration(Duration.ofMinutes(200))).isEqualTo("3h20m");
    assertThat(Tables.humanDuration(Duration.ofHours(30))).isEqualTo("30h");
    assertThat(Tables.humanDuration(Duration.ofHours(50))).isEqualTo("2d2h");
    assertThat(Tables.humanDuration(Duration.ofDays(40))).isEqualTo("40d");
  }

  private static JsonNode read(String json) {
    try {
      return new ObjectMapper().readTree(json);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
