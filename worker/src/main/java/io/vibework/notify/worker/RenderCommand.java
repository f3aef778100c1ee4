package io.vibework.notify.worker;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vibework.notify.templates.InvalidTemplateException;
import io.vibework.notify.worker.email.Email;
import io.vibework.notify.worker.email.EmailTemplates;
import io.vibework.notify.worker.email.TemplateDirectory;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code worker.jar render [--templates DIR] --template T [--data JSON] [--recipient ADDRESS]
 * [--user-name NAME]}: prints what the worker would send, through the same templates and variables
 * the worker uses, so a person can check a change before applying it.
 */
final class RenderCommand {
  private static final String USAGE =
      "usage: worker.jar render [--templates DIR] --template TYPE"
          + " [--data '{\"name\":..,\"title\":..,\"message\":..}']"
          + " [--recipient ADDRESS] [--user-name NAME]";

  private RenderCommand() {}

  /** Returns the exit code: 0 rendered, 2 bad arguments or templates. */
  static int run(String[] args, PrintStream out, PrintStream err) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 == args.length) {
        err.println(USAGE);
        return 2;
      }
      options.put(args[i].substring(2), args[++i]);
    }
    if (!options.containsKey("template")
        || !Map.of("templates", 0, "template", 0, "data", 0, "recipient", 0, "user-name", 0)
            .keySet()
            .containsAll(options.keySet())) {
      err.println(USAGE);
      return 2;
    }
    JsonNode data;
    try {
      data = new ObjectMapper().readTree(options.getOrDefault("data", "{}"));
    } catch (JsonProcessingException e) {
      err.println("render: --data is not JSON: " + e.getOriginalMessage());
      return 2;
    }
    if (data == null || !data.isObject()) {
      err.println("render: --data must be a JSON object");
      return 2;
    }
    EmailTemplates templates;
    try {
      templates =
          new EmailTemplates(
              TemplateDirectory.load(Optional.ofNullable(options.get("templates")).map(Path::of)));
    } catch (InvalidTemplateException e) {
      err.println("render: " + e.getMessage());
      return 2;
    } catch (UncheckedIOException e) {
      err.println("render: " + e.getMessage());
      return 2;
    }
    Email email =
        templates.render(
            new Notification(
                "preview",
                "preview",
                options.get("template"),
                data.path("name").asText(""),
                data.path("title").asText(""),
                data.path("message").asText("")),
            new User(
                "preview",
                options.getOrDefault("recipient", "recipient@example.com"),
                options.getOrDefault("user-name", "")));
    out.println("Subject: " + email.subject());
    out.println();
    out.println("--- text/plain ---");
    out.println(email.textBody());
    out.println("--- text/html ---");
    out.println(email.htmlBody());
    return 0;
  }
}
