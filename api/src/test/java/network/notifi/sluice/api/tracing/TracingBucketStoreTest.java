package network.notifi.sluice.api.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Decision;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.ForwardingBucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Store calls join the caller's trace even when the store answers on a thread of its own, as
 * Redis does: the limiter asks the shared levels from the thread that answered the third party.
 */
class TracingBucketStoreTest {

  private final InMemorySpanExporter exporter = InMemorySpanExporter.create();
  private final SdkTracerProvider provider =
      SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
  private final Tracer tracer = provider.get("test");
  private final LaterStore later = new LaterStore(InProcessBucketStore.create(new ManualClock(), 1_000));

  @AfterEach
  void close() {
    provider.close();
  }

  private MultiLevelLimiter limiter(Limit endpoint) {
    var config = new LimiterConfig(Limit.of(100, 100), Map.of("build.start", endpoint), Limit.of(10, 10),
        AnonymousPolicy.SKIP);
    return MultiLevelLimiter.of(config, new TracingBucketStore(later, tracer, "test"));
  }

  /** Decides inside a parent span, then answers the store's calls from outside it until done. */
  private Span decideUnder(MultiLevelLimiter limiter) {
    Span parent = tracer.spanBuilder("rate_limit.decide").startSpan();
    CompletableFuture<Decision> decision;
    try (Scope ignored = parent.makeCurrent()) {
      decision = limiter.decide(RateRequest.of("build.start", "customer-1"));
    }
    while (!decision.isDone()) {
      later.answerWaitingCalls();
    }
    parent.end();
    return parent;
  }

  @Test
  void everyCallOfTheStoreIsItsOwnNoneLeftToTheInterfaceDefault() {
    assertThat(ForwardingBucketStore.callsNotOverridden(TracingBucketStore.class)).isEmpty();
  }

  @Test
  void everyLevelsStoreCallIsAChildOfTheDecisionThoughLaterLevelsAreAskedFromTheStoresThread() {
    Span parent = decideUnder(limiter(Limit.of(100, 100)));

    List<SpanData> calls = named("bucket_store.try_consume");
    assertThat(calls).hasSize(3).allSatisfy(call -> {
      assertThat(call.getTraceId()).isEqualTo(parent.getSpanContext().getTraceId());
      assertThat(call.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId());
    });
  }

  @Test
  void refundsOfARefusedDecisionAreChildrenOfTheDecision() {
    MultiLevelLimiter limiter = limiter(Limit.of(1, 1));
    decideUnder(limiter);
    exporter.reset();

    Span parent = decideUnder(limiter);

    List<SpanData> refunds = named("bucket_store.refund");
    assertThat(refunds).hasSize(2).allSatisfy(
        refund -> assertThat(refund.getParentSpanId()).isEqualTo(parent.getSpanContext().getSpanId()));
  }

  private List<SpanData> named(String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  /** A store whose answers wait until the test hands them over, from a thread with no trace context. */
  private static final class LaterStore extends ForwardingBucketStore {
    private final List<Runnable> waiting = new ArrayList<>();

    LaterStore(InProcessBucketStore delegate) {
      super(delegate);
    }

    @Override
    public synchronized CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
      return later(delegate.tryConsume(key, limit, tokens));
    }

    @Override
    public synchronized CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
      return later(delegate.refund(key, limit, tokens, taken));
    }

    private <T> CompletableFuture<T> later(CompletableFuture<T> answer) {
      var result = new CompletableFuture<T>();
      waiting.add(() -> answer.whenComplete((value, failure) -> {
        if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(value);
        }
      }));
      return result;
    }

    void answerWaitingCalls() {
      List<Runnable> now;
      synchronized (this) {
        now = List.copyOf(waiting);
        waiting.clear();
      }
      now.forEach(Runnable::run);
    }
  }
}
