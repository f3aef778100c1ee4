package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public record CacheRef(
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Name of a CacheConfig in the same namespace.")
        String name) {}
