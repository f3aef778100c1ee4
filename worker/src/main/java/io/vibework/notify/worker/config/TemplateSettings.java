package io.vibework.notify.worker.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the email templates come from. {@code LOCAL}: rendered here, from the built-in three or a
 * mounted directory of the pipeline's own. {@code SES}: SES renders its stored templates, named by
 * the notification's {@code template} value after {@code sesPrefix}.
 */
public record TemplateSettings(Source source, Optional<Path> directory, String sesPrefix) {
  public enum Source {
    LOCAL,
    SES
  }

  public static TemplateSettings builtIn() {
    return new TemplateSettings(Source.LOCAL, Optional.empty(), "");
  }

  static TemplateSettings from(Env env) {
    Source source = env.choice("EMAIL_TEMPLATES_SOURCE", Source.class, Source.LOCAL);
    // A mounted ConfigMap of templates; without it the built-in three.
    Optional<Path> directory = env.optional("EMAIL_TEMPLATES_DIR").map(Path::of);
    Optional<String> prefix = env.optional("SES_TEMPLATE_PREFIX");
    if (source == Source.SES && directory.isPresent()) {
      throw new ConfigException(
          "EMAIL_TEMPLATES_DIR",
          "must not be set with EMAIL_TEMPLATES_SOURCE=ses: SES renders its stored templates");
    }
    if (prefix.isPresent() && source != Source.SES) {
      throw new ConfigException(
          "SES_TEMPLATE_PREFIX", "is only read with EMAIL_TEMPLATES_SOURCE=ses");
    }
    // SES template names are at most 64 letters, digits, _ or -: leave room for the type.
    if (prefix.isPresent() && !prefix.get().matches("[A-Za-z0-9_-]{1,63}")) {
      throw new ConfigException(
          "SES_TEMPLATE_PREFIX",
          "must be 1 to 63 letters, digits, _ or - (got '" + prefix.get() + "')");
    }
    return new TemplateSettings(source, directory, prefix.orElse(""));
  }
}
