package io.vibework.notify.templates;

import java.util.regex.Pattern;

/** Turns a rendered subject into a header-safe one (the worker contract in DESIGN.md). */
public final class Subjects {
  /** RFC 5322's limit for a header line; SES rejects longer subjects. */
  public static final int MAX_LENGTH = 998;

  /** What a subject that renders to nothing becomes: SES refuses an empty one. */
  public static final String FALLBACK = "Notification";

  private static final Pattern LINE_BREAKS = Pattern.compile("[\\t\\r\\n\\u0085\\u2028\\u2029]+");
  private static final Pattern CONTROLS = Pattern.compile("\\p{Cc}");
  private static final Pattern SPACES = Pattern.compile(" {2,}");

  private Subjects() {}

  /**
   * A plain-text subject (never HTML-escaped: mail clients show it as written). Line breaks of
   * every kind (CR, LF, U+0085, U+2028, U+2029) and tabs become one space, which also stops header
   * injection; other control characters are dropped; runs of spaces become one; the result is at
   * most 998 characters, never ending in half a surrogate pair.
   */
  public static String sanitise(String rendered) {
    String oneLine =
        SPACES
            .matcher(CONTROLS.matcher(LINE_BREAKS.matcher(rendered).replaceAll(" ")).replaceAll(""))
            .replaceAll(" ")
            .strip();
    if (oneLine.isEmpty()) {
      return FALLBACK;
    }
    if (oneLine.length() <= MAX_LENGTH) {
      return oneLine;
    }
    int end = MAX_LENGTH;
    if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
      end--;
    }
    return oneLine.substring(0, end);
  }
}
