package io.vibework.notify.templates;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** HTML escaping for values, and the plain text a mail client would show for rendered HTML. */
public final class Html {
  private Html() {}

  /** Escapes the five characters that matter in HTML text and attribute values. */
  public static String escape(String value) {
    StringBuilder out = null;
    for (int i = 0; i < value.length(); i++) {
      String replacement =
          switch (value.charAt(i)) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (replacement != null && out == null) {
        // Most values have nothing to escape: they are returned without a copy.
        out = new StringBuilder(value.length() + 16).append(value, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.append(value.charAt(i));
        }
      }
    }
    return out == null ? value : out.toString();
  }

  private static final Pattern BLOCK_ENDS =
      Pattern.compile(
          "(?i)<br\\s*/?>|</(p|div|h[1-6]|li|tr|table|blockquote|pre)\\s*>|<(hr)\\b[^>]*>");
  private static final Pattern TAGS = Pattern.compile("<[^>]*>");
  private static final Pattern ENTITIES =
      Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|amp|lt|gt|quot|apos|nbsp);");
  private static final Pattern BLANK_RUNS = Pattern.compile("[ \\t]*\\n[ \\t\\n]*\\n");
  private static final Pattern TRAILING_SPACES = Pattern.compile("[ \\t]+\\n");

  /**
   * The text a reader sees in rendered HTML: block ends become line breaks, other tags go, entities
   * become their characters (after tags are gone, so an escaped {@code &lt;b&gt;} stays visible as
   * {@code <b>} instead of being taken for a tag). Blank lines collapse to one.
   */
  public static String toText(String html) {
    String withBreaks = BLOCK_ENDS.matcher(html).replaceAll("\n");
    String noTags = TAGS.matcher(withBreaks).replaceAll("");
    Matcher entity = ENTITIES.matcher(noTags);
    StringBuilder out = new StringBuilder(noTags.length());
    while (entity.find()) {
      entity.appendReplacement(out, Matcher.quoteReplacement(decode(entity.group(1))));
    }
    entity.appendTail(out);
    String lines = TRAILING_SPACES.matcher(out).replaceAll("\n");
    return BLANK_RUNS.matcher(lines).replaceAll("\n\n").strip();
  }

  private static String decode(String entity) {
    return switch (entity) {
      case "amp" -> "&";
      case "lt" -> "<";
      case "gt" -> ">";
      case "quot" -> "\"";
      case "apos" -> "'";
      case "nbsp" -> "\u00a0";
      default -> {
        int code =
            entity.charAt(1) == 'x' || entity.charAt(1) == 'X'
                ? Integer.parseInt(entity.substring(2), 16)
                : Integer.parseInt(entity.substring(1));
        yield Character.isValidCodePoint(code) && code != 0 ? Character.toString(code) : "\uFFFD";
      }
    };
  }
}
