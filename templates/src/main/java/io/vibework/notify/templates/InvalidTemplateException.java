package io.vibework.notify.templates;

/**
 * A template source that cannot be used. The message names the ConfigMap key and, when the problem
 * is inside the template, its line, so a person can find it without reading code.
 */
public final class InvalidTemplateException extends Exception {
  private final String key;
  private final int line;

  public InvalidTemplateException(String key, int line, String problem) {
    super(line > 0 ? key + " line " + line + ": " + problem : key + ": " + problem);
    this.key = key;
    this.line = line;
  }

  /** The key of the template source, e.g. {@code welcome.html}. */
  public String key() {
    return key;
  }

  /** The 1-based line of the problem, or 0 when it is about the key as a whole. */
  public int line() {
    return line;
  }
}
