package network.notifi.sluice.limiter.spi;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Limit;

/** A store that forwards every call to another; tests override the calls they change. */
public class ForwardingBucketStore implements BucketStore {

  protected final BucketStore delegate;

  public ForwardingBucketStore(BucketStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
    return delegate.tryConsume(key, limit, tokens);
  }

  @Override
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
    return delegate.refund(key, limit, tokens);
  }

  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    return delegate.consumeUpTo(key, limit, tokens);
  }

  @Override
  public boolean expectsTokens(BucketKey key, Limit limit, long tokens) {
    return delegate.expectsTokens(key, limit, tokens);
  }

  @Override
  public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
    return delegate.snapshot(key, limit);
  }

  @Override
  public void limitsChanged(long version, Set<Limit> inForce) {
    delegate.limitsChanged(version, inForce);
  }
}
