package io.vibework.notify.operator.secrets;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Secret reduced to what the operator needs to know about it: its name, namespace, uid and
 * resourceVersion, and for each key the SHA-256 of the value ({@code sha256:<hex>}). Labels,
 * annotations (kubectl's last-applied-configuration holds the whole Secret), managed fields and the
 * values themselves are dropped, so a cached Secret costs a few hundred bytes whatever its size,
 * and no Secret value stays in the operator's memory.
 */
public final class SecretDigests {

  public static final String PREFIX = "sha256:";

  private SecretDigests() {}

  /** The digested copy; a copy that is already digested is returned as it is. */
  public static Secret digest(Secret secret) {
    if (secret == null || isDigested(secret)) {
      return secret;
    }
    Map<String, String> digests = new TreeMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((key, value) -> digests.put(key, of(decode(value))));
    }
    // An API server merges stringData into data on write (stringData wins); test servers keep it.
    if (secret.getStringData() != null) {
      secret
          .getStringData()
          .forEach(
              (key, value) ->
                  digests.put(
                      key,
                      of(value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8))));
    }
    var meta = secret.getMetadata();
    return new SecretBuilder()
        .withMetadata(
            new ObjectMetaBuilder()
                .withName(meta.getName())
                .withNamespace(meta.getNamespace())
                .withUid(meta.getUid())
                .withResourceVersion(meta.getResourceVersion())
                .build())
        .withType(secret.getType())
        .withData(digests)
        .build();
  }

  static boolean isDigested(Secret secret) {
    return (secret.getStringData() == null || secret.getStringData().isEmpty())
        && (secret.getData() == null
            || secret.getData().values().stream().allMatch(v -> v != null && v.startsWith(PREFIX)));
  }

  // Base64 never contains ':', so a real value can never pass for a digest.
  private static byte[] decode(String base64) {
    if (base64 == null) {
      return new byte[0];
    }
    try {
      return Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return base64.getBytes(StandardCharsets.UTF_8);
    }
  }

  private static String of(byte[] value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(value);
      Arrays.fill(value, (byte) 0);
      return PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
