package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public record ConfigMapRef(
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Name of a ConfigMap in the pipeline's namespace.")
        String name) {}
