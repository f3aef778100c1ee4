package io.vibework.notify.operator.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "!self.url.startsWith('rediss://') || !has(self.tls) || self.tls",
    message = "a rediss:// url needs TLS: set tls to true or use redis://")
public record CacheConfigSpec(
    @Required
        @Pattern(Patterns.REDIS_URL)
        @JsonPropertyDescription(
            "redis://host:port[/db] or rediss://...; no password here, use passwordSecretRef.")
        String url,
    @JsonPropertyDescription("Secret key holding the Redis password; key defaults to 'password'.")
        SecretKeyRef passwordSecretRef,
    // Quoted: the generator parses defaults as YAML, and vibe: alone is a map.
    @Default("\"" + DEFAULT_KEY_PREFIX + "\"")
        @Pattern(Patterns.KEY_PREFIX)
        @JsonPropertyDescription("Prefix of every cache key.")
        String keyPrefix,
    @Default("" + DEFAULT_TTL_SECONDS)
        @Min(1)
        @Max(2592000)
        @JsonPropertyDescription("Time to live of cached entries, in seconds.")
        Integer ttlSeconds,
    @Default("" + DEFAULT_TLS)
        @JsonPropertyDescription("Use TLS to reach Redis (implied by a rediss:// url).")
        Boolean tls) {

  public static final String DEFAULT_KEY_PREFIX = "vibe:";
  public static final String DEFAULT_PASSWORD_KEY = "password";
  public static final int DEFAULT_TTL_SECONDS = 3600;
  public static final boolean DEFAULT_TLS = false;

  public String keyPrefixOrDefault() {
    return keyPrefix == null ? DEFAULT_KEY_PREFIX : keyPrefix;
  }

  public int ttlSecondsOrDefault() {
    return ttlSeconds == null ? DEFAULT_TTL_SECONDS : ttlSeconds;
  }

  public boolean tlsEnabled() {
    return Boolean.TRUE.equals(tls) || (url != null && url.startsWith("rediss://"));
  }
}
