package network.notifi.sluice.jobs.spi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
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
    Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> await(invoke(method, delegate, args)));
    return type.cast(proxy);
  }

  private static Object invoke(Method method, Object delegate, Object[] args) throws Throwable {
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
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
