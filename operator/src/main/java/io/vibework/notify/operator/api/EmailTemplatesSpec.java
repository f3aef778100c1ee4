package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Where the workers' email templates come from; without it, the built-in three. */
@ValidationRule(
    value = "has(self.configMapRef) || self.source == 'SES'",
    message = "templates.configMapRef is required unless templates.source is SES")
@ValidationRule(
    value = "!has(self.configMapRef) || self.source != 'SES'",
    message =
        "templates.source SES sends SES's stored templates: remove templates.configMapRef, or set"
            + " source ConfigMap")
@ValidationRule(
    value = "!has(self.templatePrefix) || self.source == 'SES'",
    message = "templates.templatePrefix names SES stored templates: set templates.source to SES")
public record EmailTemplatesSpec(
    @Default("ConfigMap")
        @JsonPropertyDescription(
            "ConfigMap (default): the workers render the built-in templates and those of"
                + " configMapRef. SES: SES renders its stored templates, named by the"
                + " notification's template value after templatePrefix; one SES lacks fails that"
                + " notification (dead-lettered, reason unknown_template) and is listed in"
                + " status.email.missingTemplates.")
        TemplateSource source,
    @JsonPropertyDescription(
            "ConfigMap with, per notification template value T, the keys T.subject, T.html and"
                + " optionally T.text (Mustache). Types it lacks use the built-in template of"
                + " that name, then its 'default', then the built-in default. A template that"
                + " does not compile sets Ready=False (InvalidTemplate) and holds the rollout; a"
                + " change rolls the workers.")
        ConfigMapRef configMapRef,
    @Pattern("^[A-Za-z0-9_-]{1,63}$")
        @JsonPropertyDescription(
            "With source SES: prefix of the stored template names (SES_TEMPLATE_PREFIX), e.g."
                + " 'acme-' sends template 'welcome' as 'acme-welcome'.")
        String templatePrefix) {

  public EmailTemplatesSpec(ConfigMapRef configMapRef) {
    this(TemplateSource.ConfigMap, configMapRef, null);
  }

  /** Stored SES templates named with {@code prefix} (which may be null). */
  public static EmailTemplatesSpec ses(String prefix) {
    return new EmailTemplatesSpec(TemplateSource.SES, null, prefix);
  }

  public boolean sesStored() {
    return source == TemplateSource.SES;
  }
}
