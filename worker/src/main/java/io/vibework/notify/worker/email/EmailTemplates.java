package io.vibework.notify.worker.email;

import io.vibework.notify.templates.RenderedEmail;
import io.vibework.notify.templates.TemplateSet;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import java.util.Map;

/**
 * Renders a notification for its recipient with a {@link TemplateSet} (the built-in three unless
 * the pipeline mounts its own). The variables templates see are the notification's data fields,
 * {@code name} (the notification's, else the user's) and {@code recipient} (the address).
 */
public final class EmailTemplates implements EmailComposer {
  private final TemplateSet set;

  public EmailTemplates() {
    this(TemplateSet.builtIn());
  }

  public EmailTemplates(TemplateSet set) {
    this.set = set;
  }

  @Override
  public Email compose(Notification notification, User user) {
    return render(notification, user);
  }

  public Email render(Notification notification, User user) {
    RenderedEmail email = set.render(notification.template(), variables(notification, user));
    return new Email(user.email(), email.subject(), email.html(), email.text());
  }

  static Map<String, String> variables(Notification notification, User user) {
    return Map.of(
        "name", firstNonBlank(notification.name(), user.name()),
        "title", nullToEmpty(notification.title()),
        "message", nullToEmpty(notification.message()),
        "recipient", nullToEmpty(user.email()));
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String firstNonBlank(String preferred, String fallback) {
    return preferred != null && !preferred.isBlank() ? preferred : nullToEmpty(fallback);
  }
}
