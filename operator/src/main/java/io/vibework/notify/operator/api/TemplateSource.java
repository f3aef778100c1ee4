package io.vibework.notify.operator.api;

/** Who renders the pipeline's emails. */
public enum TemplateSource {
  /** The workers, from the built-in templates and a ConfigMap of the pipeline's own. */
  ConfigMap,
  /** SES, from its stored templates (SendEmail with Content.Template). */
  SES
}
