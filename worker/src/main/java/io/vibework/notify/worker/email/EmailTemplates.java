package io.vibework.notify.worker.email;

import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import java.util.regex.Pattern;

/**
 * The three templates DESIGN.md fixes. Values in the HTML body are escaped; the subject is plain
 * text on one line; the text part carries the values as written.
 */
public final class EmailTemplates {
  /** RFC 5322's limit for a header line; SES rejects longer subjects. */
  static final int MAX_SUBJECT_LENGTH = 998;

  public Email render(Notification notification, User user) {
    return switch (notification.template()) {
      case "welcome" -> {
        String name = firstNonBlank(notification.name(), user.name());
        yield new Email(
            user.email(),
            "Welcome to VibeWork!",
            "<p>Welcome " + escape(name) + "!</p>",
            "Welcome " + name + "!");
      }
      case "notification" ->
          new Email(
              user.email(),
              subject(notification.title()),
              "<p>" + escape(notification.message()) + "</p>",
              notification.message());
      default ->
          new Email(
              user.email(),
              "Notification",
              "<p>You have a new notification</p>",
              "You have a new notification");
    };
  }

  /** Escapes the five characters that matter in HTML text and attribute values. */
  static String escape(String value) {
    StringBuilder out = new StringBuilder(value.length() + 16);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  /**
   * A header-safe plain-text subject (never HTML-escaped: mail clients show it as written). Line
   * breaks of every kind (CR, LF, U+0085, U+2028, U+2029) become one space, which also stops header
   * injection; other control characters are dropped; the result is at most 998 characters, never
   * ending in half a surrogate pair.
   */
  private static final Pattern LINE_BREAKS = Pattern.compile("[\\t\\r\\n\\u0085\\u2028\\u2029]+");

  private static final Pattern CONTROLS = Pattern.compile("\\p{Cc}");
  private static final Pattern SPACES = Pattern.compile(" {2,}");

  static String subject(String title) {
    String oneLine =
        SPACES
            .matcher(CONTROLS.matcher(LINE_BREAKS.matcher(title).replaceAll(" ")).replaceAll(""))
            .replaceAll(" ")
            .strip();
    if (oneLine.isEmpty()) {
      return "Notification";
    }
    if (oneLine.length() <= MAX_SUBJECT_LENGTH) {
      return oneLine;
    }
    int end = MAX_SUBJECT_LENGTH;
    if (Character.isHighSurrogate(oneLine.charAt(end - 1))) {
      end--;
    }
    return oneLine.substring(0, end);
  }

  private static String firstNonBlank(String preferred, String fallback) {
    return preferred != null && !preferred.isBlank()
        ? preferred
        : (fallback == null ? "" : fallback);
  }
}
