package io.vibework.notify.worker.email;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.templates.TemplateSet;
import io.vibework.notify.worker.delivery.PermanentFailure;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import java.util.regex.Pattern;

/**
 * Emails that SES renders from its stored templates: the template is the notification's {@code
 * template} value ({@code default} when it has none) after the pipeline's prefix, and its data the
 * same variables the local templates see ({@link EmailTemplates#variables}). There is no fallback:
 * SES either has the template or the message fails for good ({@code unknown_template}).
 */
public final class SesStoredTemplates implements EmailComposer {
  // SES's rule for template names.
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final String prefix;
  private final MissingTemplates missing;
  private final ObjectMapper json;

  public SesStoredTemplates(String prefix, MissingTemplates missing, ObjectMapper json) {
    this.prefix = prefix;
    this.missing = missing;
    this.json = json;
  }

  @Override
  public StoredTemplateEmail compose(Notification notification, User user) {
    String type = notification.template();
    String name = prefix + (type == null || type.isBlank() ? TemplateSet.DEFAULT : type);
    if (!NAME.matcher(name).matches()) {
      // Not listed as missing: the value is the backend's data, and SES could never have it.
      throw new PermanentFailure(
          MissingTemplates.REASON,
          "'" + name + "' cannot be an SES template name (at most 64 letters, digits, _ or -)");
    }
    try {
      return new StoredTemplateEmail(
          user.email(),
          name,
          json.writeValueAsString(EmailTemplates.variables(notification, user)));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("template variables are strings", e);
    }
  }
}
