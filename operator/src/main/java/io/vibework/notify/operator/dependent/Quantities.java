package io.vibework.notify.operator.dependent;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Quantities in the form kube-apiserver stores them ({@code resource.Quantity}'s canonical string):
 * {@code 1024Mi} becomes {@code 1Gi}, {@code 0.5} becomes {@code 500m}, {@code 1000} becomes {@code
 * 1k}. Writing anything else makes every read-back differ from what the operator wants, and so an
 * update on every reconcile.
 *
 * <p>The rules, from k8s.io/apimachinery/pkg/api/resource: the suffix picks the format (binary
 * {@code Ki..Ei}, decimal exponent {@code e3}, otherwise decimal SI); decimal values are written as
 * the smallest integer mantissa with an exponent that is a multiple of 3 (precision down to {@code
 * n}, rounded up beyond it); binary values use the largest power of 1024 that divides them, except
 * that a value below 1024 or with a fraction is written as decimal SI.
 */
public final class Quantities {

  private static final List<String> BINARY = List.of("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei");
  private static final Map<Integer, String> DECIMAL =
      Map.of(-9, "n", -6, "u", -3, "m", 0, "", 3, "k", 6, "M", 9, "G", 12, "T", 15, "P", 18, "E");
  private static final BigInteger KI = BigInteger.valueOf(1024);

  private Quantities() {}

  public static Quantity canonical(Quantity q) {
    return q == null ? null : new Quantity(canonical(q.toString()));
  }

  /** Every quantity of {@code quantities} in canonical form (null stays null). */
  public static Map<String, Quantity> canonical(Map<String, Quantity> quantities) {
    if (quantities == null) {
      return null;
    }
    Map<String, Quantity> out = new LinkedHashMap<>();
    quantities.forEach((name, q) -> out.put(name, canonical(q)));
    return out;
  }

  public static String canonical(String text) {
    Quantity q = new Quantity(text);
    BigDecimal value = Quantity.getAmountInBytes(q);
    String format = q.getFormat() == null ? "" : q.getFormat();
    if (value.signum() == 0) {
      return "0";
    }
    if (BINARY.contains(format) && !format.isEmpty()) {
      boolean small = value.abs().compareTo(BigDecimal.valueOf(1024)) < 0;
      boolean whole = value.stripTrailingZeros().scale() <= 0;
      if (!small && whole) {
        return binary(value.toBigIntegerExact());
      }
      return decimal(value, false);
    }
    return decimal(value, format.startsWith("e") || format.startsWith("E"));
  }

  private static String binary(BigInteger value) {
    int power = 0;
    while (power < BINARY.size() - 1 && value.mod(KI).signum() == 0) {
      value = value.divide(KI);
      power++;
    }
    return value + BINARY.get(power);
  }

  private static String decimal(BigDecimal value, boolean exponentForm) {
    // Nano is the finest precision; anything finer rounds up, as the API server does.
    BigDecimal nanos = value.movePointRight(9).setScale(0, RoundingMode.CEILING);
    BigInteger mantissa = nanos.toBigIntegerExact();
    int exponent = -9;
    BigInteger thousand = BigInteger.valueOf(1000);
    while (exponent < 18 && mantissa.mod(thousand).signum() == 0) {
      mantissa = mantissa.divide(thousand);
      exponent += 3;
    }
    if (exponentForm) {
      return exponent == 0 ? mantissa.toString() : mantissa + "e" + exponent;
    }
    return mantissa + DECIMAL.get(exponent);
  }
}
