package network.notifi.sluice.jobs.spi;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.Callable;

/** Stores whose calls pass through a test's interceptor: to fail them, hold them or await them. */
public final class StoreProxies {

  /** What a call becomes: {@code call} runs it on the store as it is (its own exceptions unwrapped). */
  @FunctionalInterface
  public interface Interceptor {
    Object intercept(Method method, Callable<Object> call) throws Exception;
  }

  private StoreProxies() {}

  /** {@code delegate} of interface {@code type}, each call going through {@code interceptor}. */
  public static <T> T intercepted(Class<T> type, T delegate, Interceptor interceptor) {
    Object proxy = Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
        (self, method, args) -> interceptor.intercept(method, () -> invoke(method, delegate, args)));
    return type.cast(proxy);
  }

  private static Object invoke(Method method, Object delegate, Object[] args) throws Exception {
    try {
      return method.invoke(delegate, args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw (Error) e.getCause();
    }
  }
}
