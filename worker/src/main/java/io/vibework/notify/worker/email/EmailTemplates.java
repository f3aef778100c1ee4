package io.vibework.notify.worker.email;

import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;

/**
 * The three templates DESIGN.md fixes. Every value is HTML-escaped; subjects never carry CR or LF.
 */
public final class EmailTemplates {

  public Email render(Notification notification, User user) {
    return switch (notification.template()) {
      case "welcome" ->
          new Email(
              user.email(),
              "Welcome to VibeWork!",
              "<p>Welcome " + escape(firstNonBlank(notification.name(), user.name())) + "!</p>");
      case "notification" ->
          new Email(
              user.email(),
              subject(notification.title()),
              "<p>" + escape(notification.message()) + "</p>");
      default -> new Email(user.email(), "Notification", "<p>You have a new notification</p>");
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
   * A header-safe subject: line breaks (header injection) become spaces, then escaped like the
   * body.
   */
  static String subject(String title) {
    String oneLine = title.replaceAll("[\\r\\n\\u0085\\u2028\\u2029]+", " ").strip();
    return escape(oneLine.isEmpty() ? "Notification" : oneLine);
  }

  private static String firstNonBlank(String preferred, String fallback) {
    return preferred != null && !preferred.isBlank()
        ? preferred
        : (fallback == null ? "" : fallback);
  }
}
