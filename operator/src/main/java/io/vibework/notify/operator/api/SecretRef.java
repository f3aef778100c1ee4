package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret in the pipeline's namespace whose keys are fixed by the field that names it. */
public record SecretRef(
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Name of a Secret in the same namespace.")
        String name) {}
