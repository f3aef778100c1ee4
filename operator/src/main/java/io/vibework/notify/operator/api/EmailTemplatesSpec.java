package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where the workers' email templates come from; without it, the built-in three. */
public record EmailTemplatesSpec(
    @Required
        @JsonPropertyDescription(
            "ConfigMap with, per notification template value T, the keys T.subject, T.html and"
                + " optionally T.text (Mustache). Types it lacks use the built-in template of"
                + " that name, then its 'default', then the built-in default. A template that"
                + " does not compile sets Ready=False (InvalidTemplate) and holds the rollout; a"
                + " change rolls the workers.")
        ConfigMapRef configMapRef) {}
