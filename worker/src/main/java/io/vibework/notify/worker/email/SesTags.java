package io.vibework.notify.worker.email;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SES message tag values may hold only ASCII letters, digits, {@code _} and {@code -}, at most 256
 * characters. Ids from the backend may hold anything, so values are escaped reversibly: every other
 * byte of the UTF-8 form, and {@code _} itself, becomes {@code _} and two lowercase hex digits
 * ({@code n.1} → {@code n_2e1}). Distinct ids thus never share a tag, and the feedback side can
 * read the id back from an event. A value whose escaped form is too long keeps its first 239
 * characters and a {@code -} plus 16 hex digits of its SHA-256: still distinct, no longer
 * reversible (the feedback side then finds the notification by the SES message id instead).
 */
public final class SesTags {
  public static final int MAX_LENGTH = 256;
  private static final int HASH_HEX = 16;
  private static final HexFormat HEX = HexFormat.of();

  private SesTags() {}

  public static String encode(String value) {
    StringBuilder out = new StringBuilder(value.length());
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-') {
        out.append(c);
      } else {
        out.append('_').append(HEX.toHexDigits(b));
      }
    }
    if (out.length() <= MAX_LENGTH) {
      return out.toString();
    }
    return out.substring(0, MAX_LENGTH - HASH_HEX - 1) + '-' + sha256(value).substring(0, HASH_HEX);
  }

  /**
   * The original value of an {@link #encode}d tag, or null when it may have been shortened or is
   * not ours.
   */
  public static String decode(String tag) {
    if (tag.length() == MAX_LENGTH && tag.charAt(MAX_LENGTH - HASH_HEX - 1) == '-') {
      return null;
    }
    byte[] bytes = new byte[tag.length()];
    int n = 0;
    for (int i = 0; i < tag.length(); i++) {
      char c = tag.charAt(i);
      if (c == '_') {
        if (i + 2 >= tag.length()) {
          return null;
        }
        try {
          bytes[n++] = (byte) HEX.fromHexDigits(tag, i + 1, i + 3);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
          return null;
        }
        i += 2;
      } else if (c < 0x80) {
        bytes[n++] = (byte) c;
      } else {
        return null;
      }
    }
    return new String(bytes, 0, n, StandardCharsets.UTF_8);
  }

  private static String sha256(String value) {
    try {
      return HEX.formatHex(
          MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
