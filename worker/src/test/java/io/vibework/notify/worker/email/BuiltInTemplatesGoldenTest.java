package io.vibework.notify.worker.email;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vibework.notify.worker.notification.Notification;
import io.vibework.notify.worker.user.User;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The built-in templates are part of the worker contract (DESIGN.md): every rendered byte must stay
 * what the hand-written Java templates produced. The golden file was written by the code before
 * templates became configuration ({@code -Dgolden.write=true} rewrites it, which only a deliberate
 * contract change should do).
 */
class BuiltInTemplatesGoldenTest {
  private static final Path GOLDEN = Path.of("src/test/resources/email/built-in-golden.jsonl");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Values chosen to break an escaper, a sanitiser or a template engine's own syntax. */
  private static final List<String> VALUES =
      List.of(
          "",
          " ",
          "Ada",
          "Ada Lovelace",
          "<b>bold</b>",
          "Tom & Jerry",
          "&amp; already escaped",
          "\"double\" and 'single' quotes",
          "a > b < c",
          "<script>alert('x')</script>",
          "{{name}} {{{name}}} {{&name}} {{#x}}y{{/x}}",
          "{name} {title} ${message}",
          "line one\nline two\r\nline three\rend",
          "tab\there\u000bvt\u000cff",
          "bell\u0007 esc\u001b del\u007f nul\u0000",
          "u0085\u0085 ls\u2028 ps\u2029 end",
          "  leading and trailing  ",
          "many     spaces   inside",
          "Zoë, Ærøskøbing, Łódź, 東京, مرحبا, עברית",
          "emoji \uD83D\uDE00 \uD83D\uDC4D\uD83C\uDFFD flags \uD83C\uDDEB\uD83C\uDDF7",
          "combining e\u0301 and zero\u200bwidth",
          "a".repeat(997) + "\uD83D\uDE00" + "b".repeat(10),
          "c".repeat(998),
          "d".repeat(999),
          "e".repeat(5000),
          "\n\n\n",
          "\u0007\u0008",
          "Hi\r\nBcc: victim@example.com",
          "back\\slash and %s and %n",
          "<p>Welcome Ada!</p>");

  private static final List<String> TEMPLATES =
      List.of("welcome", "notification", "other", "", "Welcome", "notification ");

  @Test
  void builtInTemplatesRenderExactlyAsBefore() throws IOException {
    List<ObjectNode> cases = cases();
    if (Boolean.getBoolean("golden.write")) {
      StringBuilder out = new StringBuilder();
      for (ObjectNode c : cases) {
        out.append(JSON.writeValueAsString(c)).append('\n');
      }
      Files.writeString(GOLDEN, out, StandardCharsets.UTF_8);
    }
    List<String> lines = Files.readAllLines(GOLDEN, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(cases.size());
    for (int i = 0; i < lines.size(); i++) {
      JsonNode expected = JSON.readTree(lines.get(i));
      assertThat(cases.get(i)).as("case %d: %s", i, expected.get("in")).isEqualTo(expected);
    }
  }

  private static List<ObjectNode> cases() {
    EmailTemplates templates = new EmailTemplates();
    List<ObjectNode> cases = new ArrayList<>();
    for (String template : TEMPLATES) {
      for (String value : VALUES) {
        cases.add(render(templates, template, value, value, value, "Ada"));
        cases.add(render(templates, template, "", "Plain title", value, value));
        cases.add(render(templates, template, "", value, "m", null));
      }
    }
    return cases;
  }

  private static ObjectNode render(
      EmailTemplates templates,
      String template,
      String name,
      String title,
      String message,
      String userName) {
    Email email =
        templates.render(
            new Notification("n1", "u1", template, name, title, message),
            new User("u1", "ada@example.com", userName));
    ObjectNode c = JSON.createObjectNode();
    ObjectNode in = c.putObject("in");
    in.put("template", template);
    in.put("name", name);
    in.put("title", title);
    in.put("message", message);
    in.put("userName", userName);
    ObjectNode out = c.putObject("out");
    out.put("to", email.to());
    out.put("subject", email.subject());
    out.put("html", email.htmlBody());
    out.put("text", email.textBody());
    return c;
  }
}
