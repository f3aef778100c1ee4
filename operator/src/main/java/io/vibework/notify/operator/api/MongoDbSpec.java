package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

public record MongoDbSpec(
    @Required
        @JsonPropertyDescription(
            "Secret key holding the MongoDB URL (database name in its path); key defaults to 'url'.")
        SecretKeyRef urlSecretRef,
    @Default("10") @Min(1) @Max(500) @JsonPropertyDescription("Connection pool size per worker.")
        Integer maxPoolSize) {

  public static final String DEFAULT_URL_KEY = "url";

  public int maxPoolSizeOrDefault() {
    return maxPoolSize == null ? 10 : maxPoolSize;
  }
}
