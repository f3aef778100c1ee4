package io.vibework.notify.worker.config;

import java.net.URI;
import java.time.Duration;
import java.util.Set;

/** Redis: where it is, how to authenticate, and how keys are named and expire. */
public record CacheSettings(URI url, String password, String keyPrefix, Duration ttl, boolean tls) {

  static CacheSettings from(Env env) {
    URI url = env.uri("REDIS_URL", env.required("REDIS_URL"), Set.of("redis", "rediss"));
    return new CacheSettings(
        url,
        env.optional("REDIS_PASSWORD").orElse(null),
        env.string("REDIS_KEY_PREFIX", "vibe:"),
        Duration.ofSeconds(env.integer("REDIS_TTL_SECONDS", 3600, 1, 30 * 24 * 3600)),
        env.bool("REDIS_TLS", "rediss".equalsIgnoreCase(url.getScheme())));
  }

  @Override
  public String toString() {
    return "CacheSettings[host="
        + url.getHost()
        + ", port="
        + url.getPort()
        + ", keyPrefix="
        + keyPrefix
        + ", ttl="
        + ttl
        + ", tls="
        + tls
        + ", password="
        + (password == null ? "unset" : "***")
        + "]";
  }
}
