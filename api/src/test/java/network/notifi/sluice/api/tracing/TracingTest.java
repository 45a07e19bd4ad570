package network.notifi.sluice.api.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TracingTest {

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private SluiceApp app;
  private HttpTestClient client;

  @BeforeEach
  void start() {
    var otel = OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build())
        .build();
    var config = TestConfigs.config(Map.of("SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", "1"));
    app = SluiceApp.builder(config).clock(new ManualClock()).openTelemetry(otel).build().start();
    client = new HttpTestClient(app.port());
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void admittedRequestIsOneTraceOfRequestDecisionStoreCallsAndAdmission() {
    client.send(client.buildStart("parser-1").header("X-Third-Party-ID", "customer-1"));

    List<SpanData> spans = awaitSpans(6);
    SpanData request = named(spans, "POST /events");
    SpanData decision = named(spans, "rate_limit.decide");
    SpanData admission = named(spans, "build.admit");
    List<SpanData> storeCalls = spans.stream().filter(s -> s.getName().equals("bucket_store.try_consume")).toList();

    assertThat(request.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(request.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(202);
    assertThat(spans).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(request.getTraceId()));
    assertThat(decision.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(admission.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(storeCalls).hasSize(3).allSatisfy(s -> assertThat(s.getParentSpanId()).isEqualTo(decision.getSpanId()));
    assertThat(storeCalls).extracting(s -> s.getAttributes().get(AttributeKey.stringKey("sluice.bucket.level")))
        .containsExactly("third_party", "endpoint", "global");
    assertThat(decision.getAttributes().get(AttributeKey.longKey("sluice.rate_limit.third_party.remaining"))).isZero();
    assertThat(decision.getAttributes().get(AttributeKey.longKey("sluice.rate_limit.endpoint.remaining"))).isEqualTo(99);
    assertThat(decision.getAttributes().get(AttributeKey.longKey("sluice.rate_limit.global.remaining"))).isEqualTo(199);
    assertThat(decision.getAttributes().get(AttributeKey.booleanKey("sluice.rate_limit.allowed"))).isTrue();
  }

  @Test
  void refusedRequestsDecisionNamesTheRefusingLevelAndItsLogLineCarriesTheTraceId() {
    client.send(client.buildStart("parser-1").header("X-Third-Party-ID", "customer-1"));
    // The request span ends once the answer is written, which the client may read first: wait for it,
    // so that no span of the first request lands among the second's.
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.getFinishedSpanItems().stream()
        .anyMatch(s -> s.getName().equals("POST /events")));
    exporter.reset();
    var appender = new ListAppender<ILoggingEvent>();
    appender.start();
    var logger = (Logger) LoggerFactory.getLogger("sluice.rejections");
    logger.addAppender(appender);
    try {
      client.send(client.buildStart("parser-1").header("X-Third-Party-ID", "customer-1"));
    } finally {
      logger.detachAppender(appender);
    }

    List<SpanData> spans = awaitSpans(3);
    assertThat(appender.list).hasSize(1);
    assertThat(List.of(appender.list.get(0).getArgumentArray()))
        .extracting(Object::toString)
        .contains("trace_id=" + named(spans, "POST /events").getTraceId());
    SpanData decision = named(spans, "rate_limit.decide");
    assertThat(decision.getAttributes().get(AttributeKey.stringKey("sluice.rate_limit.refused_by"))).isEqualTo("third_party");
    assertThat(named(spans, "POST /events").getAttributes().get(AttributeKey.longKey("http.response.status_code")))
        .isEqualTo(429);
  }

  private List<SpanData> awaitSpans(int count) {
    await().atMost(Duration.ofSeconds(10)).until(() -> exporter.getFinishedSpanItems().size() >= count);
    return exporter.getFinishedSpanItems();
  }

  private static SpanData named(List<SpanData> spans, String name) {
    return spans.stream().filter(s -> s.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no span " + name + " in " + spans));
  }
}
