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
    @Default("" + DEFAULT_MAX_POOL_SIZE)
        @Min(1)
        @Max(500)
        @JsonPropertyDescription("Connection pool size per worker.")
        Integer maxPoolSize) {

  public static final String DEFAULT_URL_KEY = "url";
  public static final int DEFAULT_MAX_POOL_SIZE = 10;

  public int maxPoolSizeOrDefault() {
    return maxPoolSize == null ? DEFAULT_MAX_POOL_SIZE : maxPoolSize;
  }
}
