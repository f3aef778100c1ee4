package io.vibework.notify.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What kube-apiserver does to quantities it stores (k8s.io/apimachinery resource.Quantity): parse,
 * then write back canonically ({@code 1024Mi} as {@code 1Gi}, {@code 0.5} as {@code 500m}). Written
 * here from those rules, apart from the operator's own code, so that the local API checks the
 * operator rather than agreeing with it.
 */
final class KubeQuantities {

  private static final Pattern QUANTITY =
      Pattern.compile("^([+-]?[0-9]*\\.?[0-9]+|[+-]?[0-9]+\\.)(([eE][+-]?[0-9]+)|([a-zA-Z]*))$");
  private static final List<String> BINARY = List.of("Ki", "Mi", "Gi", "Ti", "Pi", "Ei");
  private static final Map<String, Integer> DECIMAL =
      Map.of("n", -9, "u", -6, "m", -3, "", 0, "k", 3, "M", 6, "G", 9, "T", 12, "P", 15, "E", 18);

  private KubeQuantities() {}

  /** The stored form of {@code text}, or {@code text} itself when it is no quantity. */
  static String canonical(String text) {
    Matcher m = QUANTITY.matcher(text.trim());
    if (!m.matches()) {
      return text;
    }
    BigDecimal number = new BigDecimal(m.group(1));
    String exponent = m.group(3);
    String suffix = m.group(4) == null ? "" : m.group(4);
    BigDecimal value;
    boolean binary = false;
    if (exponent != null) {
      value = number.scaleByPowerOfTen(Integer.parseInt(exponent.substring(1)));
    } else if (BINARY.contains(suffix)) {
      binary = true;
      value =
          number.multiply(new BigDecimal(BigInteger.valueOf(1024).pow(BINARY.indexOf(suffix) + 1)));
    } else if (DECIMAL.containsKey(suffix)) {
      value = number.scaleByPowerOfTen(DECIMAL.get(suffix));
    } else {
      return text;
    }
    if (value.signum() == 0) {
      return "0";
    }
    if (binary && value.abs().compareTo(BigDecimal.valueOf(1024)) >= 0 && isInteger(value)) {
      BigInteger n = value.toBigIntegerExact();
      int power = 0;
      BigInteger k = BigInteger.valueOf(1024);
      while (power < BINARY.size() && n.mod(k).signum() == 0) {
        n = n.divide(k);
        power++;
      }
      return n + (power == 0 ? "" : BINARY.get(power - 1));
    }
    BigInteger nanos = value.scaleByPowerOfTen(9).setScale(0, RoundingMode.CEILING).toBigInteger();
    int scale = -9;
    BigInteger thousand = BigInteger.valueOf(1000);
    while (scale < 18 && nanos.mod(thousand).signum() == 0) {
      nanos = nanos.divide(thousand);
      scale += 3;
    }
    if (exponent != null) {
      return scale == 0 ? nanos.toString() : nanos + "e" + scale;
    }
    for (var e : DECIMAL.entrySet()) {
      if (e.getValue() == scale) {
        return nanos + e.getKey();
      }
    }
    return text;
  }

  private static boolean isInteger(BigDecimal value) {
    return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
  }

  /**
   * Canonicalises the container resources (and emptyDir size limits) of a Deployment in place.
   *
   * @return whether anything changed
   */
  static boolean canonicalizeDeployment(JsonNode deployment) {
    boolean changed = false;
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    for (String list : List.of("containers", "initContainers")) {
      for (JsonNode container : pod.path(list)) {
        for (String kind : List.of("requests", "limits")) {
          if (container.path("resources").path(kind) instanceof ObjectNode quantities) {
            changed |= canonicalizeValues(quantities);
          }
        }
      }
    }
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.path("emptyDir") instanceof ObjectNode emptyDir
          && emptyDir.path("sizeLimit").isTextual()) {
        String before = emptyDir.get("sizeLimit").asText();
        String after = canonical(before);
        if (!after.equals(before)) {
          emptyDir.put("sizeLimit", after);
          changed = true;
        }
      }
    }
    return changed;
  }

  private static boolean canonicalizeValues(ObjectNode quantities) {
    boolean changed = false;
    for (var e : quantities.properties()) {
      String before = e.getValue().asText();
      String after = canonical(before);
      if (!after.equals(before)) {
        e.setValue(new TextNode(after));
        changed = true;
      }
    }
    return changed;
  }
}
