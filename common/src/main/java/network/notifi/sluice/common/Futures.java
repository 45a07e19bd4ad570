package network.notifi.sluice.common;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers for the futures that every store, launcher and client call returns. */
public final class Futures {

  private Futures() {}

  /**
   * The error under the {@link CompletionException} and {@link ExecutionException} wrappers that
   * futures put around it; {@code error} itself when it is neither, or a wrapper without a cause.
   */
  public static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
