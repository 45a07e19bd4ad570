package network.notifi.sluice.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import network.notifi.sluice.limiter.spi.BucketKey;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class KeySchemaTest {

  private final KeySchema keys = new KeySchema("sluice:");

  @Test
  void keysFollowTheSchema() {
    assertThat(keys.bucketKey(BucketKey.GLOBAL)).isEqualTo("sluice:rl:{global}");
    assertThat(keys.bucketKey(BucketKey.endpoint("build.start"))).isEqualTo("sluice:rl:{ep:build.start}");
    assertThat(keys.bucketKey(BucketKey.thirdParty("customer-123"))).isEqualTo("sluice:rl:{tp:customer-123}");
    assertThat(keys.bucketKey(BucketKey.ANONYMOUS)).isEqualTo("sluice:rl:{anon}");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "a b        | sluice:rl:{tp:a%20b}",
      "a{b}       | sluice:rl:{tp:a%7Bb%7D}",
      "}{global   | sluice:rl:{tp:%7D%7Bglobal}",
      "x*?[]      | sluice:rl:{tp:x%2A%3F%5B%5D}",
      "50%        | sluice:rl:{tp:50%25}",
      "a:b        | sluice:rl:{tp:a%3Ab}",
      "ü          | sluice:rl:{tp:%C3%BC}",
      "anon       | sluice:rl:{tp:anon}",
  })
  void unsafeCharactersAreEncoded(String id, String expected) {
    assertThat(keys.bucketKey(BucketKey.thirdParty(id))).isEqualTo(expected);
  }

  @Test
  void noIdEscapesItsHashTagOrCollidesWithAnother() {
    List<String> ids = List.of("a b", "a%20b", "a%2520b", "a{b}", "{global}", "global", "}", "{", "tp:x", "x",
        "ep:build.start", "build.start", "anon", "*", "?", "[a]", "a:b", "a%3Ab", "ü", "%C3%BC", "日本", " ");
    var seen = new HashSet<String>();
    for (String id : ids) {
      String key = keys.bucketKey(BucketKey.thirdParty(id));
      assertThat(seen.add(key)).as("unique key for %s", id).isTrue();
      // The first '{' opens our tag and the only '}' closes it: the cluster hashes exactly our tag.
      assertThat(key.indexOf('{')).isEqualTo(key.lastIndexOf('{'));
      assertThat(key.indexOf('}')).isEqualTo(key.length() - 1);
      assertThat(key.substring("sluice:rl:".length())).matches("\\{tp:[A-Za-z0-9._%-]+}");
      assertThat(keys.parse(key)).contains(BucketKey.thirdParty(id));
    }
    assertThat(seen).doesNotContain(keys.bucketKey(BucketKey.GLOBAL), keys.bucketKey(BucketKey.ANONYMOUS),
        keys.bucketKey(BucketKey.endpoint("build.start")));
  }

  @Test
  void parseReadsEveryKindOfKeyBack() {
    for (BucketKey key : List.of(BucketKey.GLOBAL, BucketKey.ANONYMOUS, BucketKey.endpoint("build.start"),
        BucketKey.thirdParty("x y"))) {
      assertThat(keys.parse(keys.bucketKey(key))).contains(key);
    }
    assertThat(keys.parse("other:rl:{global}")).isEmpty();
    assertThat(keys.parse("sluice:rl:{tp:a b}")).isEmpty();
  }
}
