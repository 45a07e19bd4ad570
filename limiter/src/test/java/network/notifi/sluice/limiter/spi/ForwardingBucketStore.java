package network.notifi.sluice.limiter.spi;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Limit;

/**
 * A store that forwards every call of {@link BucketStore}, defaults included, to another; tests
 * override the calls they change. {@link #callsNotOverridden} pins that no call is left to a default.
 */
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
  public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
    return delegate.refund(key, limit, tokens, taken);
  }

  @Override
  public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
    return delegate.consumeUpTo(key, limit, tokens);
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

  /**
   * Whether {@code decorator} declares every method of {@link BucketStore} itself, so that none falls
   * back to the interface's default (which would skip what the decorator wraps around calls, or lose
   * the call: the default of {@code refund} with a probe drops the probe, {@code close} does nothing).
   */
  public static List<String> callsNotOverridden(Class<? extends BucketStore> decorator) {
    List<String> missing = new ArrayList<>();
    for (Method method : BucketStore.class.getMethods()) {
      if (Modifier.isStatic(method.getModifiers())) {
        continue;
      }
      try {
        decorator.getDeclaredMethod(method.getName(), method.getParameterTypes());
      } catch (NoSuchMethodException e) {
        missing.add(method.getName() + Arrays.toString(method.getParameterTypes()));
      }
    }
    return missing;
  }
}
