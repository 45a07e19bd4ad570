package network.notifi.sluice.jobs.spi;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Stores whose every answer is awaited on the calling thread before the call returns, so that what
 * the core chains on it runs there too, as it does on in-process stores. For flow tests on a
 * remote backend that read as a sequence of steps; never for production.
 */
public final class AwaitedStores {

  private AwaitedStores() {}

  public static JobStores of(JobStores stores) {
    return new JobStores(
        awaited(SlotStore.class, stores.slots()),
        awaited(BuildQueue.class, stores.queue()),
        awaited(BackoffStore.class, stores.backoffs()),
        awaited(BuildRecordStore.class, stores.records()),
        awaited(AdmissionStore.class, stores.admissions()));
  }

  private static <T> T awaited(Class<T> type, T delegate) {
    return StoreProxies.intercepted(type, delegate, (method, call) -> await(call.call()));
  }

  private static Object await(Object answer) {
    if (!(answer instanceof CompletionStage<?> stage)) {
      return answer;
    }
    try {
      return CompletableFuture.completedFuture(stage.toCompletableFuture().join());
    } catch (CompletionException e) {
      return CompletableFuture.failedFuture(e.getCause());
    }
  }
}
