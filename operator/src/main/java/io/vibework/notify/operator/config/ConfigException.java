package io.vibework.notify.operator.config;

/** A bad operator environment variable; the message is the one line printed before exiting. */
public class ConfigException extends RuntimeException {
  private final String variable;

  public ConfigException(String variable, String problem) {
    super(variable + ": " + problem);
    this.variable = variable;
  }

  public String variable() {
    return variable;
  }
}
