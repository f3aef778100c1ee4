package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * One key of a Secret in the same namespace. The default key depends on the field (password, url),
 * so it is applied in code and documented on each field rather than in the schema.
 */
public record SecretKeyRef(
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @JsonPropertyDescription("Name of a Secret in the same namespace.")
        String name,
    @Pattern(Patterns.SECRET_KEY)
        @JsonPropertyDescription("Key inside the Secret; see the field for its default.")
        String key) {

  public String keyOr(String defaultKey) {
    return key == null || key.isBlank() ? defaultKey : key;
  }
}
