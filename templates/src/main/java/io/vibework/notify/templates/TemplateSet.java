package io.vibework.notify.templates;

import com.samskivert.mustache.Mustache;
import com.samskivert.mustache.MustacheException;
import com.samskivert.mustache.Template;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Email templates per notification {@code template} value, compiled once when the set is made (once
 * per rollout), so sending an email only executes them.
 *
 * <p>Sources are keyed as in a ConfigMap: {@code T.subject}, {@code T.html} and optionally {@code
 * T.text} per type {@code T}. A type the set does not have falls back to the built-in template of
 * that name, then to the set's {@code default}, then to the built-in default. Values in the HTML
 * part are HTML-escaped ({@code {{{x}}}} opts out); the subject and text parts are never escaped;
 * the subject then keeps {@link Subjects#sanitise}'s rules; a missing text part is derived from the
 * rendered HTML ({@link Html#toText}). A variable the data lacks renders as nothing.
 */
public final class TemplateSet {
  public static final String DEFAULT = "default";

  private static final Pattern KEY = Pattern.compile("([A-Za-z0-9_-]+)\\.(subject|html|text)");
  private static final Pattern PARTIAL = Pattern.compile("\\{\\{\\s*>");
  private static final Pattern PARSE_LINE = Pattern.compile("@ line (\\d+)");

  // Each part has its own compiler because escaping is a property of the compiler in jmustache.
  private static final Mustache.Compiler HTML =
      Mustache.compiler().withEscaper(Html::escape).defaultValue("").emptyStringIsFalse(true);
  private static final Mustache.Compiler PLAIN =
      Mustache.compiler().escapeHTML(false).defaultValue("").emptyStringIsFalse(true);

  private static final Map<String, String> BUILT_IN_SOURCES = builtInSources();
  private static final TemplateSet BUILT_IN = compileOrFail(BUILT_IN_SOURCES, null);

  private record Compiled(Template subject, Template html, Template text) {}

  private final Map<String, Compiled> byType;
  private final Map<String, String> sources;

  private TemplateSet(Map<String, Compiled> byType, Map<String, String> sources) {
    this.byType = byType;
    this.sources = sources;
  }

  /** Today's three templates ({@code welcome}, {@code notification}, {@code default}). */
  public static TemplateSet builtIn() {
    return BUILT_IN;
  }

  /** The built-in templates' sources, as a ConfigMap of them would hold them. */
  public static Map<String, String> builtInSources() {
    Map<String, String> s = new LinkedHashMap<>();
    s.put("welcome.subject", "Welcome to VibeWork!");
    s.put("welcome.html", "<p>Welcome {{name}}!</p>");
    s.put("welcome.text", "Welcome {{name}}!");
    s.put("notification.subject", "{{title}}");
    s.put("notification.html", "<p>{{message}}</p>");
    s.put("notification.text", "{{message}}");
    s.put("default.subject", "Notification");
    s.put("default.html", "<p>You have a new notification</p>");
    s.put("default.text", "You have a new notification");
    return s;
  }

  /**
   * Compiles a user's set over the built-ins. Every key must be {@code T.subject}, {@code T.html}
   * or {@code T.text}; a type needs both a subject and an HTML part.
   */
  public static TemplateSet compile(Map<String, String> sources) throws InvalidTemplateException {
    return compile(sources, BUILT_IN);
  }

  private static TemplateSet compile(Map<String, String> sources, TemplateSet fallback)
      throws InvalidTemplateException {
    Map<String, Map<String, String>> parts = new TreeMap<>();
    for (Map.Entry<String, String> e : new TreeMap<>(sources).entrySet()) {
      Matcher key = KEY.matcher(e.getKey());
      if (!key.matches()) {
        throw new InvalidTemplateException(
            e.getKey(),
            0,
            "not a template key: expected TYPE.subject, TYPE.html or TYPE.text"
                + " (TYPE: letters, digits, '_', '-')");
      }
      parts.computeIfAbsent(key.group(1), t -> new HashMap<>()).put(key.group(2), e.getValue());
    }
    Map<String, Compiled> byType = new HashMap<>();
    if (fallback != null) {
      byType.putAll(fallback.byType);
    }
    for (Map.Entry<String, Map<String, String>> type : parts.entrySet()) {
      String t = type.getKey();
      Map<String, String> p = type.getValue();
      for (String required : new String[] {"subject", "html"}) {
        if (!p.containsKey(required)) {
          throw new InvalidTemplateException(
              t + "." + required,
              0,
              "missing: a template type needs both " + t + ".subject and " + t + ".html");
        }
      }
      byType.put(
          t,
          new Compiled(
              compilePart(PLAIN, t + ".subject", p.get("subject")),
              compilePart(HTML, t + ".html", p.get("html")),
              p.containsKey("text") ? compilePart(PLAIN, t + ".text", p.get("text")) : null));
    }
    Map<String, String> allSources = new TreeMap<>();
    if (fallback != null) {
      allSources.putAll(fallback.sources);
    }
    allSources.putAll(sources);
    return new TemplateSet(Map.copyOf(byType), Map.copyOf(allSources));
  }

  private static Template compilePart(Mustache.Compiler compiler, String key, String source)
      throws InvalidTemplateException {
    // jmustache loads partials when a template runs, not when it compiles: refuse them here, so a
    // set that compiles also renders (a set holds no other templates to include).
    Matcher partial = PARTIAL.matcher(source);
    if (partial.find()) {
      throw new InvalidTemplateException(
          key, lineOf(source, partial.start()), "partials ({{>name}}) are not supported");
    }
    try {
      return compiler.compile(source);
    } catch (MustacheException e) {
      // jmustache reports the line only inside its message ("... @ line 3").
      String message = String.valueOf(e.getMessage());
      Matcher line = PARSE_LINE.matcher(message);
      int lineNo = line.find() ? Integer.parseInt(line.group(1)) : 0;
      String problem = line.reset().replaceAll("").strip();
      throw new InvalidTemplateException(key, lineNo, problem);
    }
  }

  private static int lineOf(String source, int index) {
    int line = 1;
    for (int i = 0; i < index; i++) {
      if (source.charAt(i) == '\n') {
        line++;
      }
    }
    return line;
  }

  private static TemplateSet compileOrFail(Map<String, String> sources, TemplateSet fallback) {
    try {
      return compile(sources, fallback);
    } catch (InvalidTemplateException e) {
      throw new IllegalStateException("built-in templates do not compile: " + e.getMessage(), e);
    }
  }

  /** The types this set has templates for (the built-ins included). */
  public Set<String> types() {
    return new TreeSet<>(byType.keySet());
  }

  /** Every source the set was made of, the built-ins included. */
  public Map<String, String> sources() {
    return sources;
  }

  /**
   * Renders the template for {@code type}, falling back as the class comment says. {@code
   * variables} are the values templates may name.
   */
  public RenderedEmail render(String type, Map<String, ?> variables) {
    Compiled c = byType.get(type);
    if (c == null) {
      c = byType.get(DEFAULT);
    }
    String html = c.html().execute(variables);
    String text = c.text() == null ? Html.toText(html) : c.text().execute(variables);
    return new RenderedEmail(Subjects.sanitise(c.subject().execute(variables)), html, text);
  }
}
