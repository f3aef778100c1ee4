package io.vibework.notify.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateSetTest {
  private static final Map<String, String> VARS =
      Map.of("name", "Tom & \"Jerry\" <cat>", "title", "Bills & <more>", "message", "it's <b>");

  @Test
  void htmlPartEscapesValuesSubjectAndTextDoNot() throws Exception {
    TemplateSet set =
        TemplateSet.compile(
            Map.of(
                "invoice.subject", "{{title}} for {{name}}",
                "invoice.html", "<h1 title=\"{{name}}\">{{message}}</h1>",
                "invoice.text", "{{message}} / {{name}}"));

    RenderedEmail email = set.render("invoice", VARS);

    assertThat(email.html())
        .isEqualTo("<h1 title=\"Tom &amp; &quot;Jerry&quot; &lt;cat&gt;\">it&#39;s &lt;b&gt;</h1>");
    assertThat(email.subject()).isEqualTo("Bills & <more> for Tom & \"Jerry\" <cat>");
    assertThat(email.text()).isEqualTo("it's <b> / Tom & \"Jerry\" <cat>");
  }

  @Test
  void subjectKeepsTheOneLineAndLengthRules() throws Exception {
    TemplateSet set =
        TemplateSet.compile(Map.of("x.subject", "{{title}}\n{{message}}", "x.html", "<p>x</p>"));

    assertThat(
            set.render("x", Map.of("title", "Hi\r\nBcc: v@example.com", "message", "\u0007ok"))
                .subject())
        .isEqualTo("Hi Bcc: v@example.com ok");
    assertThat(set.render("x", Map.of("title", "y".repeat(3000))).subject()).hasSize(998);
    assertThat(set.render("x", Map.of()).subject()).isEqualTo("Notification");
  }

  @Test
  void textIsDerivedFromTheHtmlWhenAbsent() throws Exception {
    TemplateSet set =
        TemplateSet.compile(
            Map.of(
                "x.subject", "s",
                "x.html",
                    "<h1>Hello {{name}}</h1><p>Your <b>bill</b>:<br/>{{message}}</p><p>Bye</p>"));

    assertThat(set.render("x", VARS).text())
        .isEqualTo("Hello Tom & \"Jerry\" <cat>\nYour bill:\nit's <b>\nBye");
  }

  @Test
  void missingTypesFallBackToTheBuiltInOfThatNameThenToTheDefault() throws Exception {
    TemplateSet set =
        TemplateSet.compile(Map.of("default.subject", "News", "default.html", "<p>news</p>"));

    assertThat(set.render("welcome", Map.of("name", "Ada")).html())
        .isEqualTo("<p>Welcome Ada!</p>");
    assertThat(set.render("digest", Map.of()).subject()).isEqualTo("News");
    assertThat(TemplateSet.builtIn().render("digest", Map.of()).subject())
        .isEqualTo("Notification");
  }

  @Test
  void aTemplateThatDoesNotCompileNamesItsKeyAndLine() {
    assertThatThrownBy(
            () ->
                TemplateSet.compile(
                    Map.of(
                        "welcome.subject", "Hi",
                        "welcome.html", "<p>\nline two\n{{#items}}\n{{name}}\n{{/item}}</p>")))
        .isInstanceOfSatisfying(
            InvalidTemplateException.class,
            e -> {
              assertThat(e.key()).isEqualTo("welcome.html");
              assertThat(e.line()).isEqualTo(5);
              assertThat(e.getMessage()).startsWith("welcome.html line 5: ");
            });
  }

  @Test
  void unknownKeysAndHalfTypesAreRefused() {
    assertThatThrownBy(() -> TemplateSet.compile(Map.of("welcome.body", "x")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageStartingWith("welcome.body: not a template key");
    assertThatThrownBy(() -> TemplateSet.compile(Map.of("welcome.subject", "x")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageStartingWith("welcome.html: missing");
    assertThatThrownBy(
            () -> TemplateSet.compile(Map.of("a.subject", "x", "a.html", "{{>partial}}")))
        .isInstanceOf(InvalidTemplateException.class)
        .hasMessageContaining("a.html")
        .hasMessageContaining("partials");
  }
}
