package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing ({@code Accept: application/json;as=Table;v=v1;g=meta.k8s.io}), the way the
 * API server does it: a CRD's {@code additionalPrinterColumns} evaluated with JSONPath (dates as
 * ages), a Name column first; a few built-in kinds with the columns kubectl users know; Name and
 * Age for the rest.
 */
final class Tables {

  private record Column(
      String name,
      String type,
      String format,
      int priority,
      String description,
      Function<JsonNode, Object> value) {}

  private final ObjectMapper json;
  private final Clock clock;

  Tables(ObjectMapper json, Clock clock) {
    this.json = json;
    this.clock = clock;
  }

  /**
   * @param body the stored object or list, as the CRUD store answered the same GET
   * @param includeObject {@code None}, {@code Metadata} (default) or {@code Object}
   */
  ObjectNode render(ApiResources.Resource resource, JsonNode body, String includeObject) {
    List<Column> columns = columns(resource);
    ObjectNode table = json.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    ObjectNode metadata = table.putObject("metadata");
    if (body.path("metadata").has("resourceVersion")) {
      metadata.put("resourceVersion", body.path("metadata").path("resourceVersion").asText());
    }
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column c : columns) {
      ObjectNode d = definitions.addObject();
      d.put("name", c.name());
      d.put("type", c.type());
      d.put("format", c.format());
      d.put("description", c.description());
      d.put("priority", c.priority());
    }
    ArrayNode rows = table.putArray("rows");
    List<JsonNode> items = new ArrayList<>();
    if (body.has("items")) {
      body.path("items").forEach(items::add);
    } else {
      items.add(body);
    }
    for (JsonNode item : items) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      for (Column c : columns) {
        cells.add(json.valueToTree(c.value().apply(item)));
      }
      if ("Object".equalsIgnoreCase(includeObject)) {
        row.set("object", item);
      } else if (!"None".equalsIgnoreCase(includeObject)) {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", item.path("metadata"));
      }
    }
    return table;
  }

  private List<Column> columns(ApiResources.Resource r) {
    List<Column> columns = new ArrayList<>();
    columns.add(
        new Column(
            "Name",
            "string",
            "name",
            0,
            "Name must be unique within a namespace.",
            o -> o.path("metadata").path("name").asText()));
    if (r.printerColumns() != null
        && r.printerColumns().isArray()
        && !r.printerColumns().isEmpty()) {
      for (JsonNode pc : r.printerColumns()) {
        String type = pc.path("type").asText("string");
        String path = pc.path("jsonPath").asText();
        columns.add(
            new Column(
                pc.path("name").asText(),
                type,
                pc.path("format").asText(""),
                pc.path("priority").asInt(0),
                pc.path("description").asText(""),
                o -> cell(type, o, path)));
      }
      return columns;
    }
    switch (r.kind()) {
      case "Deployment" -> {
        columns.add(
            text(
                "Ready",
                o ->
                    o.path("status").path("readyReplicas").asInt(0)
                        + "/"
                        + o.path("spec").path("replicas").asInt(1)));
        columns.add(
            new Column(
                "Up-to-date",
                "integer",
                "",
                0,
                "",
                o -> o.path("status").path("updatedReplicas").asInt(0)));
        columns.add(
            new Column(
                "Available",
                "integer",
                "",
                0,
                "",
                o -> o.path("status").path("availableReplicas").asInt(0)));
      }
      case "Secret" -> {
        columns.add(text("Type", o -> o.path("type").asText("Opaque")));
        columns.add(new Column("Data", "integer", "", 0, "", o -> o.path("data").size()));
      }
      case "ConfigMap" ->
          columns.add(new Column("Data", "integer", "", 0, "", o -> o.path("data").size()));
      case "Service" -> {
        columns.add(text("Type", o -> o.path("spec").path("type").asText("ClusterIP")));
        columns.add(text("Cluster-IP", o -> o.path("spec").path("clusterIP").asText("<none>")));
        columns.add(
            text(
                "Port(s)",
                o -> {
                  List<String> ports = new ArrayList<>();
                  o.path("spec")
                      .path("ports")
                      .forEach(
                          p ->
                              ports.add(
                                  p.path("port").asText()
                                      + "/"
                                      + p.path("protocol").asText("TCP")));
                  return ports.isEmpty() ? "<none>" : String.join(",", ports);
                }));
      }
      case "Namespace" ->
          columns.add(text("Status", o -> o.path("status").path("phase").asText("Active")));
      case "PodDisruptionBudget" -> {
        columns.add(text("Min available", o -> o.path("spec").path("minAvailable").asText("N/A")));
        columns.add(
            text("Max unavailable", o -> o.path("spec").path("maxUnavailable").asText("N/A")));
      }
      default -> {
        // Name and Age only
      }
    }
    columns.add(
        new Column(
            "Age",
            "string",
            "",
            0,
            "",
            o -> age(o.path("metadata").path("creationTimestamp").asText(null))));
    return columns;
  }

  private static Column text(String name, Function<JsonNode, Object> value) {
    return new Column(name, "string", "", 0, "", value);
  }

  /** One printer-column cell: null when the path finds nothing (kubectl prints it as empty). */
  private Object cell(String type, JsonNode object, String path) {
    List<JsonNode> results = JsonPath.evaluate(object, path);
    if (results.isEmpty()) {
      return null;
    }
    JsonNode value = results.get(0);
    return switch (type) {
      case "integer" -> value.canConvertToLong() ? value.asLong() : null;
      case "number" -> value.isNumber() ? value.asDouble() : null;
      case "boolean" -> value.isBoolean() ? value.asBoolean() : null;
      case "date" -> value.isTextual() ? age(value.asText()) : null;
      default -> value.isValueNode() ? value.asText() : value.toString();
    };
  }

  /** apimachinery's duration.HumanDuration of the time since {@code timestamp}. */
  String age(String timestamp) {
    if (timestamp == null || timestamp.isBlank()) {
      return "<unknown>";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp), clock.instant()));
    } catch (DateTimeParseException e) {
      return "<unknown>";
    }
  }

  static String humanDuration(Duration d) {
    long seconds = d.toSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 120) {
      return seconds + "s";
    }
    long minutes = d.toMinutes();
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 180) {
      return minutes + "m";
    }
    long hours = d.toHours();
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long dy = (hours / 24) % 365;
      return dy == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + dy + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
