package network.notifi.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class FuturesTest {

  private final IllegalStateException failure = new IllegalStateException("store down");

  @Test
  void unwrapFindsTheFailureUnderNestedFutureWrappers() {
    Throwable wrapped = new CompletionException(new ExecutionException(new CompletionException(failure)));

    assertThat(Futures.unwrap(wrapped)).isSameAs(failure);
  }

  @Test
  void unwrapFindsTheFailureOfAJoinedFuture() {
    CompletableFuture<Void> future = CompletableFuture.failedFuture(failure);

    Throwable thrown = future.thenApply(v -> v).handle((v, error) -> error).join();

    assertThat(thrown).isInstanceOf(CompletionException.class);
    assertThat(Futures.unwrap(thrown)).isSameAs(failure);
  }

  @Test
  void unwrapKeepsOtherErrorsAndWrappersWithoutACause() {
    CompletionException empty = new CompletionException("no cause", null);
    IllegalStateException causedByWrapper = new IllegalStateException(new CompletionException(failure));

    assertThat(Futures.unwrap(failure)).isSameAs(failure);
    assertThat(Futures.unwrap(empty)).isSameAs(empty);
    assertThat(Futures.unwrap(causedByWrapper)).isSameAs(causedByWrapper);
    assertThat(Futures.unwrap(null)).isNull();
  }
}
