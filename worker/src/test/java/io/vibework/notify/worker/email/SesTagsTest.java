package io.vibework.notify.worker.email;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SesTagsTest {
  private static final String SES_TAG_VALUE = "[A-Za-z0-9_-]{1,256}";

  @Test
  void anIdSesAcceptsAsIsIsKeptAsIs() {
    assertThat(SesTags.encode("n-42-AbC")).isEqualTo("n-42-AbC");
  }

  @Test
  void otherCharactersAreEscapedIntoWhatSesAcceptsAndReadBack() {
    String id = "orders/2026.12_04 ü@x";
    String tag = SesTags.encode(id);
    assertThat(tag).matches(SES_TAG_VALUE).isEqualTo("orders_2f2026_2e12_5f04_20_c3_bc_40x");
    assertThat(SesTags.decode(tag)).isEqualTo(id);
  }

  @Test
  void idsThatDifferOnlyInEscapedCharactersGetDifferentTags() {
    assertThat(SesTags.encode("a.b")).isNotEqualTo(SesTags.encode("a_b"));
    assertThat(SesTags.encode("a_2eb")).isNotEqualTo(SesTags.encode("a.b"));
  }

  @Test
  void anOverlongIdIsShortenedToSesLimitAndStaysDistinct() {
    String a = "x".repeat(300) + "a";
    String b = "x".repeat(300) + "b";
    assertThat(SesTags.encode(a)).matches(SES_TAG_VALUE).hasSize(256);
    assertThat(SesTags.encode(a)).isNotEqualTo(SesTags.encode(b));
    assertThat(SesTags.decode(SesTags.encode(a))).isNull();
  }

  @Test
  void aTagWeDidNotWriteDecodesToNothing() {
    assertThat(SesTags.decode("broken_z")).isNull();
    assertThat(SesTags.decode("cut_2")).isNull();
  }
}
