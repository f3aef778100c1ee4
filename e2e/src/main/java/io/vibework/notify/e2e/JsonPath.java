package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The subset of Kubernetes JSONPath that CRD printer columns use: {@code .a.b}, {@code .a[0]},
 * {@code .a[*].b} and filters {@code .a[?(@.type=="Ready")].status} (with {@code ==} or {@code !=},
 * the left side a simple {@code @.x.y} path, the right side a quoted string or a number). Enough to
 * render tables the way the API server does; anything else yields no result.
 */
public final class JsonPath {

  private JsonPath() {}

  /** Every match in document order (empty when the path does not apply). */
  public static List<JsonNode> evaluate(JsonNode root, String path) {
    String p = path.trim();
    if (p.startsWith("{") && p.endsWith("}")) {
      p = p.substring(1, p.length() - 1).trim();
    }
    if (p.startsWith("$")) {
      p = p.substring(1);
    }
    List<JsonNode> current = new ArrayList<>(List.of(root));
    int i = 0;
    while (i < p.length() && !current.isEmpty()) {
      char c = p.charAt(i);
      if (c == '.') {
        int end = i + 1;
        while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
          end++;
        }
        String field = p.substring(i + 1, end);
        current = field.isEmpty() ? current : field(current, field);
        i = end;
      } else if (c == '[') {
        int end = closing(p, i);
        if (end < 0) {
          return List.of();
        }
        current = bracket(current, p.substring(i + 1, end).trim());
        i = end + 1;
      } else {
        return List.of();
      }
    }
    return current;
  }

  private static List<JsonNode> field(List<JsonNode> nodes, String field) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (field.equals("*")) {
        node.forEach(out::add);
      } else if (node.isObject() && node.has(field) && !node.get(field).isNull()) {
        out.add(node.get(field));
      }
    }
    return out;
  }

  private static List<JsonNode> bracket(List<JsonNode> nodes, String inner) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode node : nodes) {
      if (inner.equals("*")) {
        node.forEach(out::add);
      } else if (inner.startsWith("?(") && inner.endsWith(")")) {
        String filter = inner.substring(2, inner.length() - 1).trim();
        for (JsonNode element : node.isArray() ? node : List.<JsonNode>of()) {
          if (matches(element, filter)) {
            out.add(element);
          }
        }
      } else if (inner.startsWith("'") || inner.startsWith("\"")) {
        String key = inner.substring(1, inner.length() - 1);
        if (node.has(key)) {
          out.add(node.get(key));
        }
      } else {
        try {
          int index = Integer.parseInt(inner);
          if (node.isArray()) {
            int at = index < 0 ? node.size() + index : index;
            if (at >= 0 && at < node.size()) {
              out.add(node.get(at));
            }
          }
        } catch (NumberFormatException e) {
          return List.of();
        }
      }
    }
    return out;
  }

  private static boolean matches(JsonNode element, String filter) {
    boolean negate = filter.contains("!=");
    String[] sides = filter.split(negate ? "!=" : "==", 2);
    if (sides.length != 2 || !sides[0].trim().startsWith("@")) {
      return false;
    }
    List<JsonNode> left = evaluate(element, sides[0].trim().substring(1));
    String right = sides[1].trim();
    if ((right.startsWith("\"") && right.endsWith("\""))
        || (right.startsWith("'") && right.endsWith("'"))) {
      right = right.substring(1, right.length() - 1);
    }
    boolean equal =
        !left.isEmpty() && left.get(0).isValueNode() && left.get(0).asText().equals(right);
    return negate != equal;
  }

  private static int closing(String p, int open) {
    int depth = 0;
    boolean quoted = false;
    char quote = 0;
    for (int i = open; i < p.length(); i++) {
      char c = p.charAt(i);
      if (quoted) {
        if (c == quote) {
          quoted = false;
        }
      } else if (c == '"' || c == '\'') {
        quoted = true;
        quote = c;
      } else if (c == '[' || c == '(') {
        depth++;
      } else if (c == ']' || c == ')') {
        depth--;
        if (depth == 0 && c == ']') {
          return i;
        }
      }
    }
    return -1;
  }
}
