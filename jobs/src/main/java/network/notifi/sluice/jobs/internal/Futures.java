package network.notifi.sluice.jobs.internal;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Helpers for the futures every store and launcher call returns. */
public final class Futures {

  private Futures() {}

  /** The error under the futures' {@link CompletionException} and {@link ExecutionException} wrappers. */
  public static Throwable unwrap(Throwable error) {
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
