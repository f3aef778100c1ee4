package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** Worker log level; serialised in lower case because that is what the worker's LOG_LEVEL takes. */
public enum LogLevel {
  @JsonProperty("trace")
  TRACE,
  @JsonProperty("debug")
  DEBUG,
  @JsonProperty("info")
  INFO,
  @JsonProperty("warn")
  WARN,
  @JsonProperty("error")
  ERROR;

  /** The schema's default as its YAML value (annotations need a constant string). */
  public static final String DEFAULT_VALUE = "info";

  public static final LogLevel DEFAULT = valueOf(DEFAULT_VALUE.toUpperCase(Locale.ROOT));

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
