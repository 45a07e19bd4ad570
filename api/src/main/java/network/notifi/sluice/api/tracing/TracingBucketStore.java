package network.notifi.sluice.api.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * A span around every call to a bucket store (a Redis call when the store is Redis).
 *
 * <p>Each call's answer is handed on with the caller's trace context current, so whatever the
 * caller does next on the store's thread (the limiter asks the shared levels once the third party
 * has answered, and gives tokens back) is traced as part of the same request.
 */
public final class TracingBucketStore implements BucketStore {

  static final AttributeKey<String> LEVEL = AttributeKey.stringKey("sluice.bucket.level");
  static final AttributeKey<Boolean> CONSUMED = AttributeKey.booleanKey("sluice.bucket.consumed");
  static final AttributeKey<Long> REMAINING = AttributeKey.longKey("sluice.bucket.remaining");

  private final BucketStore delegate;
  private final Tracer tracer;
  private final String system;

  /**
   * @param system what the store is, e.g. {@code redis} or {@code in-process} ({@code db.system})
   */
  public TracingBucketStore(BucketStore delegate, Tracer tracer, String system) {
    this.delegate = delegate;
    this.tracer = tracer;
    this.system = system;
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    Span span = start("bucket_store.try_consume", key);
    return inCallersContext(delegate.tryConsume(key, limit, tokens).whenComplete((probe, failure) -> {
      if (probe != null) {
        span.setAttribute(CONSUMED, probe.consumed());
        span.setAttribute(REMAINING, probe.remaining());
      }
      end(span, failure);
    }));
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    Span span = start("bucket_store.refund", key);
    return inCallersContext(delegate.refund(key, limit, tokens).whenComplete((v, failure) -> end(span, failure)));
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
    Span span = start("bucket_store.refund", key);
    return inCallersContext(
        delegate.refund(key, limit, tokens, taken).whenComplete((v, failure) -> end(span, failure)));
  }

  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    Span span = start("bucket_store.consume_up_to", key);
    return inCallersContext(
        delegate.consumeUpTo(key, limit, tokens).whenComplete((taken, failure) -> end(span, failure)));
  }

  @Override
  public OptionalLong expectedTokens(BucketKey key, Limit limit) {
    return delegate.expectedTokens(key, limit);
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    return delegate.snapshot(key, limit);
  }

  @Override
  public void limitsChanged(long version, Set<Limit> inForce) {
    delegate.limitsChanged(version, inForce);
  }

  @Override
  public void close() {
    delegate.close();
  }

  private Span start(String name, BucketKey key) {
    return tracer.spanBuilder(name)
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute("db.system", system)
        .setAttribute(LEVEL, key.level().code())
        .startSpan();
  }

  /**
   * {@code answer}, completed with the current context made current again, so that the stages a
   * caller chains on it run in the caller's trace whichever thread answers.
   */
  private static <T> CompletableFuture<T> inCallersContext(CompletableFuture<T> answer) {
    Context context = Context.current();
    var handedOn = new CompletableFuture<T>();
    answer.whenComplete((value, failure) -> {
      try (Scope ignored = context.makeCurrent()) {
        if (failure != null) {
          handedOn.completeExceptionally(failure);
        } else {
          handedOn.complete(value);
        }
      }
    });
    return handedOn;
  }

  private static void end(Span span, Throwable failure) {
    if (failure != null) {
      span.recordException(failure);
      span.setStatus(StatusCode.ERROR, String.valueOf(failure.getMessage()));
    }
    span.end();
  }
}
