package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile HTTP, generated: any method, target, header (names, values, control characters, a caller's
 * identity in every form), media type and body (valid and broken CloudEvents, random JSON, deep
 * nesting, random bytes), in {@code header} and {@code api_key} mode, sent byte by byte over real
 * sockets. Whatever arrives, the answer is below 500, carries no stack trace, and a refusal is
 * problem+json; and what the service keeps does not grow with what clients invent.
 */
class HostileInputPropertiesTest {

  private static final String KEY = "fuzz-key-0123456789";
  private static SluiceApp headerMode;
  private static SluiceApp apiKeyMode;
  private static Path keys;

  @BeforeContainer
  static void start() throws Exception {
    headerMode = SluiceApp.builder(TestConfigs.config(Map.of("SLUICE_JOBS_ON_CAPACITY", "reject"))).build().start();
    keys = Files.createTempFile("sluice-fuzz-keys", ".yaml");
    Files.writeString(keys, "- {third_party: fuzzer, sha256: " + ApiKeyIdentityTest.sha256(KEY) + ", namespaces: [default]}\n");
    apiKeyMode = SluiceApp.builder(TestConfigs.config(Map.of(
        "SLUICE_IDENTITY_MODE", "api_key", "SLUICE_IDENTITY_API_KEYS_FILE", keys.toString(),
        "SLUICE_JOBS_ON_CAPACITY", "reject"))).build().start();
  }

  @AfterContainer
  static void stop() throws Exception {
    headerMode.close();
    apiKeyMode.close();
    Files.deleteIfExists(keys);
  }

  @Property(tries = 400)
  void everyAnswerIsBelow500WithoutAStackTraceAndRefusalsAreProblems(
      @ForAll("requests") Request request, @ForAll boolean withApiKeys) {
    SluiceApp app = withApiKeys ? apiKeyMode : headerMode;

    RawHttp.Answer answer = RawHttp.send(app.port(), request.method, request.target, request.headers, request.body);

    assertThat(answer.status()).as(request.toString()).isBetween(200, 499);
    assertThat(answer.body()).as(request.toString())
        .doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("<html");
    if (answer.status() >= 400 && !answer.body().isEmpty()) {
      assertThat(answer.contentType()).as(request.toString()).startsWith(Problem.MEDIA_TYPE);
    }
  }

  @Example
  void whatClientsInventDoesNotGrowWhatTheServiceKeeps() {
    // Warm up (every kind of answer seen once), then measure: the metrics' series and the heap after a collection.
    sendInventions(0, 1_000);
    scrape(); // the first scrape is itself a request, counted from then on
    String scrapeBefore = scrape();
    long heapBefore = heapAfterGc();

    sendInventions(1_000, 5_000);

    String scrapeAfter = scrape();
    List<String> added = new ArrayList<>(series(scrapeAfter));
    added.removeAll(series(scrapeBefore));
    assertThat(added).as("metric series added by 4,000 more invented ids, namespaces and paths").isEmpty();
    assertThat(scrapeAfter).doesNotContain("invented").doesNotContain("ns-");
    assertThat(heapAfterGc() - heapBefore).as("heap growth in bytes").isLessThan(64L * 1024 * 1024);
  }

  /** Requests with a new third party, namespace, parser, event id and path each. */
  private static void sendInventions(int from, int to) {
    for (int i = from; i < to; i++) {
      String body = "{\"parser_id\":\"p-" + i + "\",\"namespace\":\"ns-" + i + "\"}";
      RawHttp.send(headerMode.port(), "POST", "/events", List.of(
          Map.entry("Ce-Type", HttpTestClient.BUILD_START), Map.entry("Ce-Id", "id-" + i),
          Map.entry("X-Third-Party-ID", "invented-" + i), Map.entry("Content-Type", "application/json")),
          body.getBytes(StandardCharsets.UTF_8));
      RawHttp.send(headerMode.port(), "GET", "/invented/" + i, List.of(), null);
      RawHttp.send(headerMode.port(), "GET", "/builds/invented-" + i, List.of(), null);
    }
  }

  private static String scrape() {
    return RawHttp.send(headerMode.adminPort(), "GET", "/metrics", List.of(), null).body();
  }

  /** The series Sluice itself keeps (the JVM's own come and go with its memory pools and threads). */
  private static List<String> series(String scrape) {
    return scrape.lines().filter(line -> !line.startsWith("#") && !line.startsWith("jvm_")
        && !line.startsWith("process_") && !line.startsWith("system_"))
        .map(line -> line.substring(0, line.lastIndexOf(' '))).sorted().toList();
  }

  private static long heapAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long least = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      least = Math.min(least, memory.getHeapMemoryUsage().getUsed());
    }
    return least;
  }

  // ---- what is generated ----

  record Request(String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
    @Override
    public String toString() {
      String shown = body == null ? "" : new String(body, 0, Math.min(body.length, 120), StandardCharsets.UTF_8);
      return method + " " + target + " " + headers + " body[" + (body == null ? 0 : body.length) + "]=" + shown;
    }
  }

  @Provide
  Arbitrary<Request> requests() {
    Arbitrary<String> method = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just("POST")),
        Tuple.of(2, Arbitraries.of("GET", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH")),
        Tuple.of(1, Arbitraries.strings().withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12)));
    Arbitrary<String> target = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just("/events")),
        Tuple.of(3, Arbitraries.of("/builds/x", "/metrics", "/ratelimits", "/health/ready",
            "/events/", "//events", "/events?x=%00", "/builds/%2e%2e%2fmetrics", "/builds/" + "a".repeat(300),
            "/%ZZ", "*", "/events#frag")),
        Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMaxLength(64).map(s -> "/" + s)));
    Arbitrary<List<Map.Entry<String, String>>> headers = header().list().ofMaxSize(8);
    return Combinators.combine(method, target, headers, body()).as(Request::new);
  }

  private Arbitrary<Map.Entry<String, String>> header() {
    Arbitrary<String> name = Arbitraries.frequencyOf(
        Tuple.of(10, Arbitraries.of("Ce-Type", "ce-type", "Ce-Source", "Ce-Id", "Ce-Specversion",
            "Ce-Subject", "Ce-Time", "Ce-Dataschema", "X-Third-Party-ID", "Content-Type", "Authorization",
            "Content-Encoding", "Transfer-Encoding", "Expect", "Host")),
        Tuple.of(1, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20)
            .filter(s -> !s.contains(":"))));
    Arbitrary<String> value = Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.of(HttpTestClient.BUILD_START, "network.notifi.lambda.other",
            "application/json", "application/cloudevents+json", "text/plain", "application/json; charset=latin1",
            "1.0", "0.3", "99", "Bearer " + KEY, "Bearer wrong", "Basic abc", "Bearer ", "chunked", "gzip",
            "100-continue", "network.notifi.customer-1", "kube-system", "")),
        Tuple.of(3, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(40)
            .map(s -> s.replace("\r", "").replace("\n", ""))),
        Tuple.of(1, Arbitraries.just("x".repeat(10_000))));
    return Combinators.combine(name, value).as(Map::entry);
  }

  private Arbitrary<byte[]> body() {
    Arbitrary<String> label = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20)),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(70)),
        Tuple.of(1, Arbitraries.of("default", "kube-system", "team-a", "-bad-", "UPPER", "a".repeat(64))));
    Arbitrary<String> buildStart = Combinators.combine(label, label, Arbitraries.of(true, false))
        .as((parser, ns, withNs) -> "{\"parser_id\":" + quote(parser) + (withNs ? ",\"namespace\":" + quote(ns) : "") + "}");
    Arbitrary<String> structured = Combinators.combine(label, label, Arbitraries.of("1.0", "0.3", "2"))
        .as((parser, source, version) -> "{\"specversion\":\"" + version + "\",\"id\":\"1\",\"source\":" + quote(source)
            + ",\"type\":\"" + HttpTestClient.BUILD_START + "\",\"datacontenttype\":\"application/json\","
            + "\"data\":{\"parser_id\":" + quote(parser) + "}}");
    Arbitrary<String> json = Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.of("null", "[]", "{}", "\"x\"", "1e999999", "{\"parser_id\":1}",
            "{\"parser_id\":null}", "{\"parser_id\":[\"a\"]}", "{\"parser_id\":\"a\",\"parser_id\":\"b\"}",
            "{\"data_base64\":\"!!\"}", "{", "\uFEFF{\"parser_id\":\"a\"}")),
        Tuple.of(1, Arbitraries.integers().between(1, 50_000).map(n -> "[".repeat(n) + "]".repeat(n))),
        Tuple.of(1, Arbitraries.integers().between(1, 50_000).map(n -> "{\"a\":".repeat(n))));
    Arbitrary<String> text = Arbitraries.frequencyOf(
        Tuple.of(6, buildStart),
        Tuple.of(3, structured),
        Tuple.of(3, json),
        Tuple.of(1, Arbitraries.strings().all().ofMaxLength(300)));
    Arbitrary<byte[]> bytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(2_000);
    return Arbitraries.frequencyOf(
        Tuple.of(10, text.map(s -> s.getBytes(StandardCharsets.UTF_8))),
        Tuple.of(1, bytes),
        Tuple.of(1, Arbitraries.just((byte[]) null)));
  }

  private static String quote(String text) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        quoted.append('\\').append(c);
      } else if (c < 0x20) {
        quoted.append(String.format("\\u%04x", (int) c));
      } else {
        quoted.append(c);
      }
    }
    return quoted.append('"').toString();
  }
}
